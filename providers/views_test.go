package providers

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
)

const jotformCT = "multipart/form-data; boundary=------------------------Jf7q2Xk9LmP4tR8sW1vB"

// decoded runs Decode and checks that the result is valid JSON.
func decoded(t *testing.T, provider, ct string, body []byte) []byte {
	t.Helper()
	out, err := Decode(provider, ct, body)
	require.NoError(t, err)
	require.True(t, gjson.ValidBytes(out), "output is not valid JSON: %s", out)
	return out
}

func TestTypeformView(t *testing.T) {
	t.Parallel()
	out := decoded(t, Typeform, "application/json", sample(t, "typeform.json"))
	get := func(p string) gjson.Result { return gjson.GetBytes(out, p) }

	require.Equal(t, gjson.String, get("answers.first_name").Type)
	require.Equal(t, "Alice", get("answers.first_name").Str)
	require.Equal(t, "Brown", get("answers.last_name").Str)
	require.Equal(t, "alice.brown@example.com", get("answers.email").Str)
	require.Equal(t, "+447700900123", get("answers.phone").Str)
	require.Equal(t, "11-50", get("answers.company_size").Str) // choice → label
	require.Equal(t, "2026-02-01", get("answers.start_date").Str)
	require.Equal(t, "https://brown-consulting.example", get("answers.website").Str)

	budget := get("answers.monthly_budget")
	require.Equal(t, gjson.Number, budget.Type, "number stays a number")
	require.Equal(t, "2500", budget.Raw)
	consent := get("answers.marketing_consent")
	require.Equal(t, gjson.True, consent.Type, "boolean stays a boolean")
	interests := get("answers.interests")
	require.True(t, interests.IsArray(), "choices → array")
	require.Equal(t, `["API","SSO"]`, interests.Raw)

	// The raw payload's paths keep working.
	require.Equal(t, "ref_123", get("form_response.hidden.ref").Str)
	require.Equal(t, "Alice", get(`form_response.answers.#(field.ref=="first_name").text`).Str)
	require.Equal(t, `["API","SSO"]`, get(`form_response.answers.#(field.ref=="interests").choices.labels|@ugly`).Raw)
}

func TestTypeformViewAnswerTypes(t *testing.T) {
	t.Parallel()
	body := `{"event_id":"e","form_response":{"answers":[
	{"type":"choice","choice":{"other":"Something else"},"field":{"ref":"other_only"}},
	{"type":"choice","choice":{"label":"Red","other":"ignored"},"field":{"ref":"label_wins"}},
	{"type":"choice","choice":{"label":null},"field":{"ref":"null_label"}},
	{"type":"choices","choices":{"labels":["A","B"],"other":"C"},"field":{"ref":"with_other"}},
	{"type":"choices","choices":{"other":"Only other"},"field":{"ref":"only_other"}},
	{"type":"payment","payment":{"amount":"4.20","last4":"4242","name":"Alice","success":true},"field":{"ref":"pay"}},
	{"type":"file_url","file_url":"https://files.example/cv.pdf","field":{"ref":"cv"}},
	{"type":"number","number":-1.5e3,"field":{"ref":"exact_digits"}},
	{"type":"boolean","boolean":false,"field":{"ref":"no"}},
	{"type":"text","text":"no ref","field":{"id":"x"}},
	{"type":"text","text":"empty ref","field":{"ref":""}},
	{"type":"text","text":"first","field":{"ref":"dup"}},
	{"type":"text","text":"second","field":{"ref":"dup"}},
	{"type":"text","field":{"ref":"missing_value"}},
	{"type":"multi_format","multi_format":{"x":1},"field":{"ref":"future_type"}},
	{"type":"text","text":"dotted","field":{"ref":"a.b"}},
	{"type":"text","text":"quoted","field":{"ref":"say \"hi\""}},
	{"type":"text.x","text.x":"meta","field":{"ref":"meta_type"}}
	]}}`
	out := decoded(t, Typeform, "application/json", []byte(body))
	view := gjson.GetBytes(out, "answers")
	require.True(t, view.IsObject())
	get := func(p string) gjson.Result { return view.Get(p) }

	require.Equal(t, "Something else", get("other_only").Str)
	require.Equal(t, "Red", get("label_wins").Str)
	require.False(t, get("null_label").Exists(), "a choice without label or other is left out")
	require.Equal(t, `["A","B","C"]`, get("with_other").Raw)
	require.Equal(t, `["Only other"]`, get("only_other").Raw)
	require.True(t, get("pay").IsObject())
	require.Equal(t, "4242", get("pay.last4").Str)
	require.Equal(t, "https://files.example/cv.pdf", get("cv").Str)
	require.Equal(t, "-1.5e3", get("exact_digits").Raw, "numbers keep their exact digits")
	require.Equal(t, gjson.False, get("no").Type)
	require.Equal(t, "first", get("dup").Str, "the first answer of a ref wins")
	require.False(t, get("missing_value").Exists())
	require.Equal(t, `{"x":1}`, get("future_type").Raw, "unknown types use the key named after the type")
	require.Equal(t, "dotted", get(`a\.b`).Str)
	require.Equal(t, "quoted", get(`say "hi"`).Str)
	require.Equal(t, "meta", get("meta_type").Str, "a type with gjson syntax is matched literally")
	count := 0
	view.ForEach(func(_, _ gjson.Result) bool { count++; return true })
	require.Equal(t, 13, count, "answers without a ref, and absent values, add nothing: %s", view.Raw)
}

func TestViewDoesNotOverwriteExistingKey(t *testing.T) {
	t.Parallel()
	cases := []struct{ provider, body string }{
		{Typeform, `{"answers":"mine","form_response":{"answers":[{"type":"text","text":"x","field":{"ref":"r"}}]}}`},
		{Tally, `{"fields":[1],"data":{"fields":[{"label":"a","type":"INPUT_TEXT","value":"x"}]}}`},
		{HubSpot, `{"props":null,"properties":{"email":{"value":"a@b.c"}}}`},
	}
	for _, c := range cases {
		out := decoded(t, c.provider, "application/json", []byte(c.body))
		require.Equal(t, c.body, string(out), c.provider)
	}
	// Jotform still parses rawRequest, but keeps a payload's own "fields".
	body := `{"fields":"mine","rawRequest":"{\"q1_email\":\"a@b.c\"}"}`
	out := decoded(t, Jotform, "application/json", []byte(body))
	require.Equal(t, `{"fields":"mine","rawRequest":{"q1_email":"a@b.c"}}`, string(out))
}

func TestViewNotAdded(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, provider, body string }{
		{"typeform array root", Typeform, `[{"form_response":{"answers":[]}}]`},
		{"typeform without answers", Typeform, `{"event_id":"e","form_response":{}}`},
		{"typeform answers not an array", Typeform, `{"form_response":{"answers":{"a":1}}}`},
		{"tally without fields", Tally, `{"eventId":"e","data":{}}`},
		{"hubspot subscription batch", HubSpot, `[{"objectId":1,"propertyName":"email","propertyValue":"a@b.c"}]`},
		{"hubspot custom body", HubSpot, `{"email":"a@b.c","partner_ref":"ref_123"}`},
		{"hubspot properties not an object", HubSpot, `{"properties":[1,2]}`},
		{"jotform without rawRequest", Jotform, `{"formID":"1"}`},
		{"jotform rawRequest not JSON", Jotform, `{"rawRequest":"q1_email=a@b.c"}`},
		{"jotform rawRequest a JSON array", Jotform, `{"rawRequest":"[1,2]"}`},
		{"jotform rawRequest a number", Jotform, `{"rawRequest":5}`},
		{"scalar root", Typeform, `"x"`},
	}
	for _, c := range cases {
		out := decoded(t, c.provider, "application/json", []byte(c.body))
		require.Equal(t, c.body, string(out), c.name)
	}
}

func TestEmptyObjectGetsView(t *testing.T) {
	t.Parallel()
	out := decoded(t, HubSpot, "application/json", []byte(`{"properties":{}}`))
	require.Equal(t, `{"props":{},"properties":{}}`, string(out))
	out = decoded(t, Typeform, "application/json", []byte(`{"form_response":{"answers":[]}} `))
	require.Equal(t, `{"answers":{},"form_response":{"answers":[]}} `, string(out))
}

func TestTallyView(t *testing.T) {
	t.Parallel()
	out := decoded(t, Tally, "application/json", sample(t, "tally.json"))
	get := func(p string) gjson.Result { return gjson.GetBytes(out, p) }
	require.Equal(t, "ref_123", get("fields.ref").Str, "hidden fields by their label")
	require.Equal(t, "partner", get("fields.utm_source").Str)
	require.Equal(t, "Alice", get("fields.First name").Str)
	require.Equal(t, "alice.brown@example.com", get("fields.Work email").Str)
	size := get("fields.Company size")
	require.Equal(t, gjson.String, size.Type, "single choice → one string")
	require.Equal(t, "11-50", size.Str, "option id resolved to its text")
	budget := get("fields.Monthly budget")
	require.Equal(t, gjson.Number, budget.Type)
	require.Equal(t, 2500.0, budget.Num)
	// Raw paths keep working.
	require.Equal(t, "ref_123", get(`data.fields.#(label=="ref").value`).Str)
}

func TestTallyViewChoiceTypes(t *testing.T) {
	t.Parallel()
	opts := `[{"id":"o1","text":"Soccer"},{"id":"o2","text":"Tennis"},{"id":"o3","text":"Golf"}]`
	body := `{"eventId":"e","data":{"fields":[
	{"key":"question_cb","label":"Sports","type":"CHECKBOXES","value":["o1","o3"],"options":` + opts + `},
	{"key":"question_cb_o1","label":"Sports (Soccer)","type":"CHECKBOXES","value":true},
	{"key":"question_cb_o2","label":"Sports (Tennis)","type":"CHECKBOXES","value":false},
	{"key":"question_ms","label":"Multi","type":"MULTI_SELECT","value":["o2"],"options":` + opts + `},
	{"key":"question_rk","label":"Rank","type":"RANKING","value":["o3","o1","o2"],"options":` + opts + `},
	{"key":"question_dd","label":"Drop","type":"DROPDOWN","value":["o2"],"options":` + opts + `},
	{"key":"question_mc","label":"Unanswered","type":"MULTIPLE_CHOICE","value":null,"options":` + opts + `},
	{"key":"question_me","label":"Empty","type":"MULTIPLE_CHOICE","value":[],"options":` + opts + `},
	{"key":"question_ms2","label":"Unknown id","type":"MULTI_SELECT","value":["o9","o1"],"options":` + opts + `},
	{"key":"question_ds","label":"Id as string","type":"DROPDOWN","value":"o3","options":` + opts + `},
	{"key":"question_cs","label":"Checkbox string","type":"CHECKBOXES","value":"o1","options":` + opts + `},
	{"key":"question_file","label":"Upload","type":"FILE_UPLOAD","value":[{"name":"cv.pdf","url":"https://x"}]},
	{"key":"question_n","label":"Sports","type":"INPUT_TEXT","value":"duplicate label"},
	{"key":"question_nl","type":"INPUT_TEXT","value":"no label"},
	{"key":"question_nv","label":"No value","type":"INPUT_TEXT"}
	]}}`
	out := decoded(t, Tally, "application/json", []byte(body))
	view := gjson.GetBytes(out, "fields")
	require.True(t, view.IsObject())
	get := func(p string) gjson.Result { return view.Get(p) }
	require.Equal(t, `["Soccer","Golf"]`, get("Sports").Raw, "checkboxes → list; the first entry of a label wins")
	require.Equal(t, gjson.True, get(`Sports \(Soccer\)`).Type, "per-option entries are kept as booleans")
	require.Equal(t, gjson.False, get(`Sports \(Tennis\)`).Type)
	require.Equal(t, `["Tennis"]`, get("Multi").Raw)
	require.Equal(t, `["Golf","Soccer","Tennis"]`, get("Rank").Raw, "ranking keeps its order")
	require.Equal(t, `"Tennis"`, get("Drop").Raw, "dropdown → one string")
	require.Equal(t, gjson.Null, get("Unanswered").Type)
	require.Equal(t, gjson.Null, get("Empty").Type)
	require.Equal(t, `["o9","Soccer"]`, get("Unknown id").Raw, "an id without option stays visible")
	require.Equal(t, `"Golf"`, get("Id as string").Raw)
	require.Equal(t, `["Soccer"]`, get("Checkbox string").Raw)
	require.Equal(t, "cv.pdf", get("Upload.0.name").Str, "other types keep their value")
	require.Equal(t, gjson.Null, get("No value").Type)
}

func TestHubSpotView(t *testing.T) {
	t.Parallel()
	out := decoded(t, HubSpot, "application/json", sample(t, "hubspot-workflow.json"))
	get := func(p string) gjson.Result { return gjson.GetBytes(out, p) }
	require.Equal(t, "alice.brown@example.com", get("props.email").Str)
	require.Equal(t, "ref_123", get("props.partner_ref").Str)
	require.Equal(t, "Alice", get("props.firstname").Str)
	require.Equal(t, "11-50", get("props.company_size").Str)
	require.Equal(t, "alice.brown@example.com", get("properties.email.value").Str, "raw path still works")

	body := `{"properties":{"email":"flat@example.com","n":{"value":7},"nov":{"versions":[]},"b":{"value":true},"z":null}}`
	out = decoded(t, HubSpot, "application/json", []byte(body))
	require.Equal(t, `{"email":"flat@example.com","n":7,"b":true,"z":null}`, gjson.GetBytes(out, "props").Raw)

	// Batches and custom bodies are passed through untouched.
	sub := sample(t, "hubspot-subscription.json")
	require.Equal(t, string(sub), string(decoded(t, HubSpot, "application/json", sub)))
	custom := sample(t, "hubspot-workflow-custom.json")
	require.Equal(t, string(custom), string(decoded(t, HubSpot, "application/json", custom)))
}

func TestJotformView(t *testing.T) {
	t.Parallel()
	out := decoded(t, Jotform, jotformCT, sample(t, "jotform.multipart"))
	get := func(p string) gjson.Result { return gjson.GetBytes(out, p) }
	require.True(t, get("rawRequest").IsObject(), "rawRequest parsed into an object")
	require.Equal(t, "Alice", get("rawRequest.q3_fullName.first").Str)
	require.Equal(t, "Alice", get("rawRequest.q*_fullName.first").Str, "wildcard paths from providers.md work")
	require.Equal(t, "Alice", get("fields.fullName.first").Str)
	require.Equal(t, "Brown", get("fields.fullName.last").Str)
	require.Equal(t, "alice.brown@example.com", get("fields.email").Str)
	require.Equal(t, "+44 7700 900123", get("fields.phoneNumber.full").Str)
	require.Equal(t, "11-50", get("fields.companySize").Str)
	require.Equal(t, "ref_123", get("fields.ref").Str)
	require.False(t, get("fields.slug").Exists(), "bookkeeping keys have no q<N>_ prefix")
	require.False(t, get("fields.event_id").Exists())
	require.Equal(t, "6012345678901234567", get("submissionID").Str, "other parts stay strings")
	require.Equal(t, "", get("action").Str)
	require.True(t, get("action").Exists())

	// The same post as form-urlencoded, and already-parsed JSON.
	form := "formID=1&rawRequest=%7B%22q12_email%22%3A%22a%40b.c%22%2C%22q3_%22%3A1%2C%22q_x%22%3A2%2C%22qa_y%22%3A3%7D"
	out = decoded(t, Jotform, "application/x-www-form-urlencoded", []byte(form))
	require.Equal(t, `{"email":"a@b.c"}`, gjson.GetBytes(out, "fields").Raw)
	out = decoded(t, Jotform, "application/json", []byte(`{"rawRequest":{"q1_ref":"r"}}`))
	require.Equal(t, `{"fields":{"ref":"r"},"rawRequest":{"q1_ref":"r"}}`, string(out))
}

func TestJotformUniqueName(t *testing.T) {
	t.Parallel()
	cases := map[string]string{"q3_fullName": "fullName", "q10_a_b": "a_b", "q3_": "", "q_x": "", "qa_x": "", "slug": "", "q": "", "q1": "", "Q1_x": ""}
	for in, want := range cases {
		got, ok := jotformUniqueName(in)
		require.Equal(t, want != "", ok, in)
		require.Equal(t, want, got, in)
	}
}

func TestNoViewProviders(t *testing.T) {
	t.Parallel()
	for provider, file := range map[string]string{Webflow: "webflow.json", Calendly: "calendly.json", Generic: "fillout.json"} {
		body := sample(t, file)
		require.Equal(t, string(body), string(decoded(t, provider, "application/json", body)), provider)
	}
}

// Refs that differ only in invalid UTF-8 would both be written as
// "\ufffd": the first wins, so the view never holds a duplicate key.
func TestViewInvalidUTF8NamesDoNotDuplicate(t *testing.T) {
	t.Parallel()
	body := "{\"form_response\":{\"answers\":[" +
		"{\"type\":\"text\",\"text\":\"one\",\"field\":{\"ref\":\"r\x93\"}}," +
		"{\"type\":\"text\",\"text\":\"two\",\"field\":{\"ref\":\"r\x89\"}}]}}"
	out := decoded(t, Typeform, "application/json", []byte(body))
	require.Equal(t, "{\"r\ufffd\":\"one\"}", gjson.GetBytes(out, "answers").Raw)
}
