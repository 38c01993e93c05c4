package providers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
)

// The shapes of published payloads (testdata/samples/README.md): each test
// reads the sample through Decode and checks the view key by key, beside
// the byte-exact golden files of TestGolden.

// TestTypeformExampleAnswerTypes: Typeform's documented example names its
// questions only in definition.fields; every answer type comes out as
// product.md §4 says.
func TestTypeformExampleAnswerTypes(t *testing.T) {
	t.Parallel()
	out := decoded(t, Typeform, "application/json", sample(t, "typeform-example.json"))
	view := gjson.GetBytes(out, "answers")
	require.True(t, view.IsObject())
	cases := []struct {
		ref  string // escaped for gjson
		typ  gjson.Type
		raw  string
		what string
	}{
		{`\[readable_ref_long_text`, gjson.String, `"We are a team of twelve. We run a partner program for agencies and want leads to reach it without copy and paste."`, "long text"},
		{"readable_ref_email", gjson.String, `"alice.brown@example.com"`, "email"},
		{"readable_ref_short_text", gjson.String, `"Alice"`, "short text"},
		{"readable_ref_date", gjson.String, `"2026-02-01"`, "date"},
		{"readable_ref_picture_choice", gjson.JSON, `["HubSpot","Slack","Zapier"]`, "list of labels, other last"},
		{"readable_ref_number1", gjson.Number, `12`, "number"},
		{"readable_ref_legal", gjson.True, `true`, "boolean (legal)"},
		{"readable_ref_multiple_choice", gjson.String, `"Growth"`, "choice label"},
		{"readable_ref_yes_no", gjson.False, `false`, "boolean (yes/no)"},
		{"readable_ref_opinion_scale", gjson.Number, `4`, "number (opinion scale)"},
		{"readable_ref_rating", gjson.Number, `3`, "number (rating)"},
		{"readable_ref_phone_number", gjson.String, `"+447700900123"`, "phone"},
		{"readable_ref_website", gjson.String, `"https://brown-consulting.example"`, "url"},
		{"readable_ref_file_upload", gjson.String, `"https://api.typeform.com/forms/aB3cD4eF/responses/k2m9x7q1/fields/Fu3aSd7Fg1Hj/files/brief.pdf"`, "file url"},
		{"readable_ref_payment", gjson.JSON, `{"amount":"49.00","last4":"4242","name":"Alice Brown","success":true}`, "payment object"},
		{"readable_ref_calendly", gjson.String, `"https://calendly.com/scheduled_events/EVENT_TYPE/invitees/INVITEE"`, "the one answer with its own ref"},
	}
	for _, c := range cases {
		got := view.Get(c.ref)
		require.Equal(t, c.typ, got.Type, c.what)
		require.JSONEq(t, c.raw, got.Raw, c.what)
	}
	n := 0
	view.ForEach(func(_, _ gjson.Result) bool { n++; return true })
	require.Equal(t, len(cases), n, "one key per answer")
	// The raw id query keeps working.
	require.Equal(t, "Alice", gjson.GetBytes(out, `form_response.answers.#(field.id=="Fn2hJw6Yt3Lu").text`).Str)
}

// TestTypeformRefsFromDefinition covers the ref lookup's edge cases.
func TestTypeformRefsFromDefinition(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, answers, fields, want string
	}{
		{"ref from definition",
			`{"type":"text","text":"a","field":{"id":"i1"}}`,
			`{"id":"i1","ref":"r1"}`, `{"r1":"a"}`},
		{"own ref wins over the definition",
			`{"type":"text","text":"a","field":{"id":"i1","ref":"own"}}`,
			`{"id":"i1","ref":"r1"}`, `{"own":"a"}`},
		{"empty own ref falls back to the definition",
			`{"type":"text","text":"a","field":{"id":"i1","ref":""}}`,
			`{"id":"i1","ref":"r1"}`, `{"r1":"a"}`},
		{"id not in the definition: skipped",
			`{"type":"text","text":"a","field":{"id":"nope"}}`,
			`{"id":"i1","ref":"r1"}`, `{}`},
		{"definition field without ref: skipped",
			`{"type":"text","text":"a","field":{"id":"i1"}}`,
			`{"id":"i1"},{"id":"i2","ref":"r2"}`, `{}`},
		{"non-string ids and refs are ignored",
			`{"type":"text","text":"a","field":{"id":1}},{"type":"text","text":"b","field":{"id":"i2"}}`,
			`{"id":1,"ref":"r1"},{"id":"i2","ref":2}`, `{}`},
		{"first definition of an id wins",
			`{"type":"text","text":"a","field":{"id":"i1"}}`,
			`{"id":"i1","ref":"first"},{"id":"i1","ref":"second"}`, `{"first":"a"}`},
		{"resolved ref and own ref collide: first answer wins",
			`{"type":"text","text":"a","field":{"id":"i1"}},{"type":"text","text":"b","field":{"id":"i2","ref":"r1"}}`,
			`{"id":"i1","ref":"r1"}`, `{"r1":"a"}`},
		{"checkbox choices as a list of objects",
			`{"type":"choices","choices":[{"id":"c1","label":"I accept","ref":"accept"},{"id":"c2"}],"field":{"id":"i1"}}`,
			`{"id":"i1","ref":"terms"}`, `{"terms":["I accept"]}`},
	}
	for _, c := range cases {
		body := `{"form_response":{"definition":{"fields":[` + c.fields + `]},"answers":[` + c.answers + `]}}`
		out := decoded(t, Typeform, "application/json", []byte(body))
		require.Equal(t, c.want, gjson.GetBytes(out, "answers").Raw, c.name)
	}
	// No definition at all: answers without a ref add nothing.
	out := decoded(t, Typeform, "application/json", []byte(`{"form_response":{"answers":[{"type":"text","text":"a","field":{"id":"i1"}}]}}`))
	require.Equal(t, `{}`, gjson.GetBytes(out, "answers").Raw)
}

// TestTallyExampleFields: every field type of Tally's documented example.
func TestTallyExampleFields(t *testing.T) {
	t.Parallel()
	out := decoded(t, Tally, "application/json", sample(t, "tally-example.json"))
	view := gjson.GetBytes(out, "fields")
	cases := []struct{ path, raw string }{
		{"ref", `"ref_123"`},
		{"utm_campaign", `"spring-partners"`},
		{"Score", `20`},
		{"Type", `"Hard"`},
		{"Text", `"Alice Brown"`},
		{"Number", `10`},
		{"Email", `"alice.brown@example.com"`},
		{"Phone number", `"+447700900123"`},
		{"Website", `"brown-consulting.example"`},
		{"Date", `"2026-02-01"`},
		{"Time", `"12:00"`},
		{"Long text", `"We run a partner program for agencies."`},
		{"Multiple choice", `"In progress"`},
		{"Checkboxes", `["Swimming","Skiing"]`},
		{`Checkboxes \(Soccer\)`, `false`},
		{`Checkboxes \(Swimming\)`, `true`},
		{`Checkboxes \(Skiing\)`, `true`},
		{"Dropdown", `"Hard"`},
		{"Multi-select", `["Surf","Golf"]`},
		{"File upload.0.url", `"https://storage.googleapis.com/tally-response-assets/wQ4zNb/brief.pdf"`},
		{`Payment \(price\)`, `49`},
		{`Payment \(currency\)`, `"EUR"`},
		{`Payment \(name\)`, `"Alice Brown"`},
		{`Payment \(email\)`, `"alice.brown@example.com"`},
		{`Payment \(link\)`, `"https://dashboard.stripe.com/payments/pi_0001"`},
		{"Rating", `4`},
		{"Ranking", `["Pear","Apple","Banana"]`},
		{"Linear scale", `7`},
		{"Signature.0.name", `"signature.png"`},
		{"Matrix", `{"Quality":["Satisfied"],"Speed":["Neutral"]}`},
		{"Matrix.Quality", `["Satisfied"]`},
	}
	for _, c := range cases {
		require.Equal(t, c.raw, view.Get(c.path).Raw, c.path)
	}
}

func TestTallyMatrix(t *testing.T) {
	t.Parallel()
	rows := `[{"id":"r1","text":"Quality"},{"id":"r2","text":"Speed"},{"id":"r3","text":"Quality"}]`
	cols := `[{"id":"c1","text":"Bad"},{"id":"c2","text":"Good"}]`
	cases := []struct{ name, value, rows, want string }{
		{"single column per row", `{"r1":["c2"],"r2":["c1"]}`, rows, `{"Quality":["Good"],"Speed":["Bad"]}`},
		{"several columns in a row, order kept", `{"r1":["c2","c1"]}`, rows, `{"Quality":["Good","Bad"]}`},
		{"unknown row and column ids stay visible", `{"r9":["c9","c1"]}`, rows, `{"r9":["c9","Bad"]}`},
		{"a repeated row text keeps the first row", `{"r1":["c1"],"r3":["c2"]}`, rows, `{"Quality":["Bad"]}`},
		{"a column id given as a string", `{"r1":"c2"}`, rows, `{"Quality":["Good"]}`},
		{"empty row list", `{"r1":[]}`, rows, `{"Quality":[]}`},
		{"no rows at all", `{"r1":["c1"]}`, `null`, `{"r1":["Bad"]}`},
		{"unanswered", `null`, rows, `null`},
		{"not an object", `["c1"]`, rows, `["c1"]`},
		{"empty object", `{}`, rows, `{}`},
	}
	for _, c := range cases {
		body := `{"data":{"fields":[{"label":"M","type":"MATRIX","value":` + c.value + `,"rows":` + c.rows + `,"columns":` + cols + `}]}}`
		out := decoded(t, Tally, "application/json", []byte(body))
		require.Equal(t, c.want, gjson.GetBytes(out, "fields.M").Raw, c.name)
	}
}

// TestJotformUploadsView: uploads, multi-select, address and products of
// a Jotform multipart delivery.
func TestJotformUploadsView(t *testing.T) {
	t.Parallel()
	out := decoded(t, Jotform, jotformCT, sample(t, "jotform-uploads.multipart"))
	get := func(p string) gjson.Result { return gjson.GetBytes(out, p) }
	require.JSONEq(t, `["https://www.jotform.com/uploads/acme_marketing/241234567890124/6012345678901234568/brief.pdf","https://www.jotform.com/uploads/acme_marketing/241234567890124/6012345678901234568/logo%20%281%29.png"]`,
		get("fields.brief").Raw, "uploads come under the bare unique name")
	require.Equal(t, get("rawRequest.brief").Raw, get("fields.brief").Raw, "the raw path still works")
	require.Equal(t, `["Onboarding","Payouts; monthly"]`, get("fields.services").Raw, "multi-select")
	require.Equal(t, "SW1A 1AA", get("fields.address.postal").Str, "address")
	require.Equal(t, "12 High Street", get("fields.address.addr_line1").Str)
	require.Equal(t, "148.00", get("fields.myProducts.paymentArray|@fromstr|total").Str, "products, its JSON string read with @fromstr")
	require.Equal(t, "ref_123", get("fields.ref").Str)
	for _, k := range []string{"slug", "path", "temp_upload", "file_server", "event_id", "jsExecutionTracker", "validatedNewRequiredFieldIDs"} {
		require.False(t, get("fields."+k).Exists(), "bookkeeping key %s is not a field", k)
	}
}

func TestJotformUploadRules(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, rawRequest, want string }{
		{"named by temp_upload",
			`{"temp_upload":{"q7_cv":["cv.pdf#fs#1"]},"cv":["https://www.jotform.com/uploads/u/1/2/cv.pdf"]}`,
			`{"cv":["https://www.jotform.com/uploads/u/1/2/cv.pdf"]}`},
		{"named by temp_upload, even empty",
			`{"temp_upload":{"q7_cv":[]},"cv":[]}`, `{"cv":[]}`},
		{"no temp_upload: a list of URLs is an upload",
			`{"cv":["http://x.example/a.pdf","https://x.example/b.pdf"]}`,
			`{"cv":["http://x.example/a.pdf","https://x.example/b.pdf"]}`},
		{"no temp_upload: a list of other strings is not",
			`{"tags":["a","https://x.example"]}`, `{}`},
		{"no temp_upload: an empty list is not",
			`{"cv":[]}`, `{}`},
		{"scalars and objects without prefix are bookkeeping",
			`{"slug":"submit/1","temp_upload":{"q7_cv":["x"]},"path":"/submit/1"}`, `{}`},
		{"a question wins over an upload of the same name",
			`{"cv":["https://x.example/a.pdf"],"q3_cv":"typed"}`, `{"cv":"typed"}`},
		{"temp_upload naming another field does not make a non-URL list an upload",
			`{"temp_upload":{"q7_cv":["x"]},"tags":["a"]}`, `{}`},
	}
	for _, c := range cases {
		out := decoded(t, Jotform, "application/json", []byte(`{"rawRequest":`+c.rawRequest+`}`))
		require.Equal(t, c.want, gjson.GetBytes(out, "fields").Raw, c.name)
	}
}

// TestTallyLookupIndexed: past tallyScans lookups a field's options are
// indexed; the answer must be the same as scanning, first option of an id
// winning and unknown ids kept.
func TestTallyLookupIndexed(t *testing.T) {
	t.Parallel()
	var opts, ids, want []string
	for i := range 3 * tallyScans {
		opts = append(opts, fmt.Sprintf(`{"id":"o%d","text":"T%d"}`, i, i))
	}
	opts = append(opts, `{"id":"o1","text":"duplicate"}`, `{"id":5,"text":"number id"}`)
	for i := 3*tallyScans - 1; i >= 0; i-- {
		ids = append(ids, fmt.Sprintf(`"o%d"`, i))
		want = append(want, fmt.Sprintf(`"T%d"`, i))
	}
	ids = append(ids, `"nope"`, `"o1"`)
	want = append(want, `"nope"`, `"T1"`)
	body := `{"data":{"fields":[{"label":"L","type":"MULTI_SELECT","value":[` + strings.Join(ids, ",") +
		`],"options":[` + strings.Join(opts, ",") + `]}]}}`
	out := decoded(t, Tally, "application/json", []byte(body))
	require.Equal(t, "["+strings.Join(want, ",")+"]", gjson.GetBytes(out, "fields.L").Raw)
}
