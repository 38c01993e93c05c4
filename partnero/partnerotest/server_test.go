package partnerotest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/partnero/partnerotest"
)

const validLead = `{"name":"Alice Brown","email":"alice@example.com","partner":{"key":"ref_123"}}`

// fixedNow makes created_at deterministic.
func fixedNow() time.Time { return time.Date(2025, 5, 16, 10, 30, 0, 0, time.UTC) }

func setup(t *testing.T, opts ...partnerotest.Option) *partnerotest.Server {
	t.Helper()
	srv := partnerotest.New(append([]partnerotest.Option{partnerotest.WithNow(fixedNow)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

type reply struct {
	status int
	header http.Header
	body   string
}

// call sends one request with the default key and JSON headers unless
// overridden; hdr pairs override or (with an empty value) remove headers.
func call(t *testing.T, srv *partnerotest.Server, method, path, body string, hdr ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL()+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+partnerotest.DefaultAPIKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	srv := setup(t, partnerotest.WithAPIKey("key-a", "key-b"))
	tests := []struct {
		name   string
		auth   string
		status int
	}{
		{"missing", "", 401},
		{"wrong key", "Bearer nope", 401},
		{"wrong scheme", "Token key-a", 401},
		{"lower-case scheme", "bearer key-a", 401},
		{"first key", "Bearer key-a", 201},
		{"second key", "Bearer key-b", 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, srv, "POST", "/leads", validLead, "Authorization", tt.auth)
			require.Equal(t, tt.status, r.status, r.body)
			if tt.status == 401 {
				require.JSONEq(t, `{"message":"Unauthenticated."}`, r.body)
			}
		})
	}
	r := call(t, srv, "GET", "/leads/details", "", "Authorization", "Bearer nope")
	require.Equal(t, 401, r.status, "every endpoint is authenticated")

	srv.SetAPIKeys("key-c")
	require.Equal(t, 401, call(t, srv, "POST", "/leads", validLead, "Authorization", "Bearer key-a").status)
	require.Equal(t, 201, call(t, srv, "POST", "/leads", validLead, "Authorization", "Bearer key-c").status)
	srv.SetAPIKeys()
	require.Equal(t, 401, call(t, srv, "POST", "/leads", validLead, "Authorization", "Bearer key-c").status)

	keys := map[string]int{}
	for _, l := range srv.Leads() {
		keys[l.APIKey]++
	}
	require.Equal(t, map[string]int{"key-a": 1, "key-b": 1, "key-c": 1}, keys)
}

func TestCreateAnswersPartneroLeadShape(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	body := `{"name":" Alice Brown ","email":"alice@example.com","partner":{"key":"ref_123"},
		"cfields":{"89":"Acme Inc","91":["chbx1","chbx3"],"94":"US","77":"unknown id, unchecked"}}`
	r := call(t, srv, "POST", "/leads", body)
	require.Equal(t, 201, r.status, r.body)
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	require.JSONEq(t, `{"data":{
		"id":1,"status":"submitted","created_at":"2025-05-16",
		"lead_info":{"name":"Alice Brown","email":"alice@example.com"},
		"converted_to":null,
		"submitter":{"id":"partner_ref_123","name":"Partner ref_123","email":"ref_123@partners.example"},
		"submission_form":[
			{"question":"Name","answer":"Alice Brown"},
			{"question":"Email address","answer":"alice@example.com"},
			{"question":"Input custom field","answer":"Acme Inc"},
			{"question":"Custom field chbx","answer":"chbx1, chbx3"},
			{"question":"Custom field country select","answer":"US"},
			{"question":"77","answer":"unknown id, unchecked"}],
		"can_be_converted":true,"can_be_rejected":true},
		"status":1}`, r.body)

	r = call(t, srv, "POST", "/leads", `{"name":"Bob","email":"bob@example.com","partner":{"id":"partner_9","email":"p@example.com"}}`)
	require.Equal(t, 201, r.status, r.body)
	require.Contains(t, r.body, `"id":2,`)
	require.Contains(t, r.body, `"submitter":{"id":"partner_9","name":"Partner partner_9","email":"p@example.com"}`)

	leads := srv.Leads()
	require.Len(t, leads, 2)
	require.Equal(t, 1, leads[0].ID)
	require.Equal(t, "Alice Brown", leads[0].Name)
	require.Equal(t, "alice@example.com", leads[0].Email)
	require.Equal(t, partnerotest.Partner{Key: "ref_123"}, leads[0].Partner)
	require.Equal(t, map[string]any{"89": "Acme Inc", "91": []string{"chbx1", "chbx3"}, "94": "US", "77": "unknown id, unchecked"}, leads[0].CFields)
	require.Equal(t, body, string(leads[0].Body))
	require.Equal(t, partnerotest.DefaultAPIKey, leads[0].APIKey)
	require.Equal(t, fixedNow(), leads[0].At)
	require.Nil(t, leads[1].CFields)
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []partnerotest.Option
		body string
		want string // exact JSON, or "" for 201
	}{
		{
			name: "empty object: summary counts the other errors, errors keep rule order",
			body: `{}`,
			want: `{"message":"The name field is required. (and 2 more errors)","errors":{
				"name":["The name field is required."],
				"email":["The email field is required."],
				"partner.key":["The partner.key field is required when none of partner.id / partner.email are present."]}}`,
		},
		{
			name: "unparseable JSON reads as no input",
			body: `{"name":`,
			want: `{"message":"The name field is required. (and 2 more errors)","errors":{
				"name":["The name field is required."],"email":["The email field is required."],
				"partner.key":["The partner.key field is required when none of partner.id / partner.email are present."]}}`,
		},
		{
			name: "one error: message without suffix",
			body: `{"name":"A","email":"not-an-email","partner":{"key":"k"}}`,
			want: `{"message":"The email field must be a valid email address.","errors":{"email":["The email field must be a valid email address."]}}`,
		},
		{
			name: "two errors: singular suffix",
			body: `{"name":"   ","email":"a@example.com","partner":{"email":"nope"}}`,
			want: `{"message":"The name field is required. (and 1 more error)","errors":{
				"name":["The name field is required."],"partner.email":["The partner.email field must be a valid email address."]}}`,
		},
		{
			name: "wrong types",
			body: `{"name":5,"email":["a@example.com"],"partner":"ref"}`,
			want: `{"message":"The name field must be a string. (and 2 more errors)","errors":{
				"name":["The name field must be a string."],"email":["The email field must be a string."],
				"partner":["The partner field must be an array."]}}`,
		},
		{
			name: "display names are not addresses",
			body: `{"name":"A","email":"Alice <a@example.com>","partner":{"key":"k"}}`,
			want: `{"message":"The email field must be a valid email address.","errors":{"email":["The email field must be a valid email address."]}}`,
		},
		{
			name: "cfields unchecked without WithForm",
			body: `{"name":"A","email":"a@example.com","partner":{"key":"k"},"cfields":{"1":"x","92":"nope"}}`,
		},
		{
			name: "form: unknown id, option not allowed, required missing",
			opts: []partnerotest.Option{partnerotest.WithForm(partnerotest.DefaultForm())},
			body: `{"name":"A","email":"a@example.com","partner":{"key":"k"},"cfields":{"92":"radio9","7":"x","91":["chbx1","nope"]}}`,
			want: `{"message":"The selected cfields.7 is invalid. (and 3 more errors)","errors":{
				"cfields.7":["The selected cfields.7 is invalid."],
				"cfields.89":["The cfields.89 field is required."],
				"cfields.91":["The selected cfields.91 is invalid."],
				"cfields.92":["The selected cfields.92 is invalid."]}}`,
		},
		{
			name: "form: a single-choice field takes a string",
			opts: []partnerotest.Option{partnerotest.WithForm(partnerotest.DefaultForm())},
			body: `{"name":"A","email":"a@example.com","partner":{"key":"k"},"cfields":{"89":"x","93":["select1"]}}`,
			want: `{"message":"The cfields.93 field must be a string.","errors":{"cfields.93":["The cfields.93 field must be a string."]}}`,
		},
		{
			name: "form: valid values, text block ignored, checkbox as one string",
			opts: []partnerotest.Option{partnerotest.WithForm(partnerotest.DefaultForm())},
			body: `{"name":"A","email":"a@example.com","partner":{"key":"k"},"cfields":{"88":"ignored","89":"Acme","91":"chbx2","92":"radio1","93":"select3","94":"DE"}}`,
		},
		{
			name: "form: enforcement off",
			opts: []partnerotest.Option{partnerotest.WithForm(partnerotest.DefaultForm()),
				partnerotest.EnforceOptions(false), partnerotest.EnforceRequired(false)},
			body: `{"name":"A","email":"a@example.com","partner":{"key":"k"},"cfields":{"91":["feature1"],"93":["x","y"]}}`,
		},
		{
			name: "form: unknown ids are rejected even with enforcement off",
			opts: []partnerotest.Option{partnerotest.WithForm(partnerotest.DefaultForm()),
				partnerotest.EnforceOptions(false), partnerotest.EnforceRequired(false)},
			body: `{"name":"A","email":"a@example.com","partner":{"key":"k"},"cfields":{"company":"Acme"}}`,
			want: `{"message":"The selected cfields.company is invalid.","errors":{"cfields.company":["The selected cfields.company is invalid."]}}`,
		},
		{
			name: "form from JSON",
			opts: []partnerotest.Option{partnerotest.WithFormJSON([]byte(`{"data":{"leads_enabled":true,"leads_custom_form_fields":[{"id":5,"type":"input","title":"Company","required":true,"options":[]}]},"status":1}`))},
			body: `{"name":"A","email":"a@example.com","partner":{"key":"k"}}`,
			want: `{"message":"The cfields.5 field is required.","errors":{"cfields.5":["The cfields.5 field is required."]}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := setup(t, tt.opts...)
			r := call(t, srv, "POST", "/leads", tt.body)
			if tt.want == "" {
				require.Equal(t, 201, r.status, r.body)
				require.Len(t, srv.Leads(), 1)
				return
			}
			require.Equal(t, 422, r.status, r.body)
			require.JSONEq(t, tt.want, r.body)
			requireSameKeyOrder(t, tt.want, r.body)
			require.Empty(t, srv.Leads())
		})
	}
}

// requireSameKeyOrder checks the "errors" keys come in the expected order,
// which JSONEq ignores but the summary message depends on.
func requireSameKeyOrder(t *testing.T, want, got string) {
	t.Helper()
	keys := func(s string) []string {
		var top map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(s), &top))
		dec := json.NewDecoder(bytes.NewReader(top["errors"]))
		_, err := dec.Token() // the opening brace
		require.NoError(t, err)
		var out []string
		for dec.More() {
			tok, err := dec.Token()
			require.NoError(t, err)
			out = append(out, tok.(string))
			var skip json.RawMessage
			require.NoError(t, dec.Decode(&skip))
		}
		return out
	}
	require.Equal(t, keys(want), keys(got))
}

func TestInvalidPartner(t *testing.T) {
	t.Parallel()
	srv := setup(t, partnerotest.WithPartners("ref_123", "house"))
	r := call(t, srv, "POST", "/leads", `{"name":"A","email":"a@example.com","partner":{"key":"stale"}}`)
	require.Equal(t, 400, r.status)
	require.JSONEq(t, `{"message":"Invalid partner key"}`, r.body)

	r = call(t, srv, "POST", "/leads", `{"name":"","email":"a@example.com","partner":{"key":"stale"}}`)
	require.Equal(t, 422, r.status, "validation comes before the partner lookup")

	require.Equal(t, 201, call(t, srv, "POST", "/leads", `{"name":"A","email":"a@example.com","partner":{"key":"house"}}`).status)
	require.Equal(t, 201, call(t, srv, "POST", "/leads", `{"name":"A","email":"a@example.com","partner":{"email":"who@example.com"}}`).status,
		"only partner.key is checked")
	require.Len(t, srv.Leads(), 2)
}

func TestDuplicateEmails(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	require.Equal(t, 201, call(t, srv, "POST", "/leads", validLead).status)
	require.Equal(t, 201, call(t, srv, "POST", "/leads", validLead).status, "accepted by default")

	strict := setup(t, partnerotest.RejectDuplicateEmails())
	require.Equal(t, 201, call(t, strict, "POST", "/leads", validLead).status)
	r := call(t, strict, "POST", "/leads", strings.Replace(validLead, "alice@", "ALICE@", 1))
	require.Equal(t, 422, r.status)
	require.JSONEq(t, `{"message":"The email has already been taken.","errors":{"email":["The email has already been taken."]}}`, r.body)
}

func TestValidationWithoutAcceptJSONRedirects(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	r := call(t, srv, "POST", "/leads", `{}`, "Accept", "")
	require.Equal(t, 302, r.status)
	require.Equal(t, strings.TrimSuffix(srv.URL(), "/v1")+"/", r.header.Get("Location"))
	require.Equal(t, 302, call(t, srv, "POST", "/leads", `{}`, "Accept", "*/*").status)
	require.Equal(t, 422, call(t, srv, "POST", "/leads", `{}`, "Accept", "application/vnd.api+json").status)
	require.Equal(t, 201, call(t, srv, "POST", "/leads", validLead, "Accept", "").status, "only failures redirect")

	off := setup(t, partnerotest.RedirectWithoutAcceptJSON(false))
	require.Equal(t, 422, call(t, off, "POST", "/leads", `{}`, "Accept", "").status)
}

func TestScriptedResponsesAreConsumedInOrder(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	srv.Script(
		partnerotest.Unavailable(),
		partnerotest.TooManyRequests(1500*time.Millisecond),
		partnerotest.ValidationFailed("email", "The email field is required."),
		partnerotest.InvalidPartnerKey(),
		partnerotest.Unauthenticated(),
	)
	srv.FailNext(2, 500, "", http.Header{"X-Test": {"yes"}})
	require.Equal(t, 7, srv.Pending())

	// Other endpoints do not consume the script.
	require.Equal(t, 200, call(t, srv, "GET", "/leads/details", "").status)

	want := []struct {
		status int
		body   string
	}{
		{503, `{"message":"Service Unavailable"}`},
		{429, `{"message":"Too Many Attempts."}`},
		{422, `{"message":"The email field is required.","errors":{"email":["The email field is required."]}}`},
		{400, `{"message":"Invalid partner key"}`},
		{401, `{"message":"Unauthenticated."}`},
		{500, `{"message":"Internal Server Error"}`},
		{500, `{"message":"Internal Server Error"}`},
	}
	for i, w := range want {
		// A valid lead with a valid key: only the script makes these fail.
		r := call(t, srv, "POST", "/leads", validLead)
		require.Equal(t, w.status, r.status, "response %d", i)
		require.JSONEq(t, w.body, r.body, "response %d", i)
		switch w.status {
		case 429:
			require.Equal(t, "2", r.header.Get("Retry-After"), "rounded up to whole seconds")
			require.Equal(t, "0", r.header.Get("X-RateLimit-Remaining"))
		case 500:
			require.Equal(t, "yes", r.header.Get("X-Test"))
		}
	}
	require.Zero(t, srv.Pending())
	require.Empty(t, srv.Leads(), "scripted answers create nothing")

	r := call(t, srv, "POST", "/leads", validLead)
	require.Equal(t, 201, r.status, "normal handling resumes")
	require.Equal(t, 8, srv.Attempts())
	require.Len(t, srv.Leads(), 1)

	statuses := []int{}
	for _, req := range srv.Requests() {
		if req.Method == "POST" {
			statuses = append(statuses, req.Status)
		}
	}
	require.Equal(t, []int{503, 429, 422, 400, 401, 500, 500, 201}, statuses)
}

func TestTooManyRequestsWithoutRetryAfter(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	srv.Script(partnerotest.TooManyRequests(0))
	r := call(t, srv, "POST", "/leads", validLead)
	require.Equal(t, 429, r.status)
	require.Empty(t, r.header.Get("Retry-After"))
}

func TestDropConnection(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	srv.Script(partnerotest.DropConnection())
	resp, err := http.Post(srv.URL()+"/leads", "application/json", strings.NewReader(validLead))
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err)
	require.Equal(t, 1, srv.Attempts(), "a POST is not silently retried by the client")
	require.Empty(t, srv.Leads())
	require.Eventually(t, func() bool { return len(srv.Requests()) == 1 }, time.Minute, 5*time.Millisecond)
	require.Zero(t, srv.Requests()[0].Status)
}

func TestLatency(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	srv.SetLatency(150 * time.Millisecond)
	start := time.Now()
	require.Equal(t, 201, call(t, srv, "POST", "/leads", validLead).status)
	require.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)

	// A client that gives up first gets nothing created. The latency is far
	// longer than the test may take, so only the cancellation can end it;
	// the client gives up once the request has arrived, not at a guess.
	srv.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", srv.URL()+"/leads", strings.NewReader(validLead))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+partnerotest.DefaultAPIKey)
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	require.Eventually(t, func() bool { return srv.Attempts() == 2 }, time.Minute, 5*time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	require.Eventually(t, func() bool { return len(srv.Requests()) == 2 }, time.Minute, 5*time.Millisecond)
	require.Len(t, srv.Leads(), 1)
	require.Zero(t, srv.Requests()[1].Status, "nothing was answered")

	srv.SetLatency(0)
	start = time.Now()
	require.Equal(t, 201, call(t, srv, "POST", "/leads", validLead).status)
	require.Less(t, time.Since(start), time.Minute, "the hour of latency is off")
}

func TestScriptedDelay(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	srv.Script(partnerotest.Response{Status: 201, Body: `{"data":{"id":99},"status":1}`, Delay: 100 * time.Millisecond})
	start := time.Now()
	r := call(t, srv, "POST", "/leads", validLead)
	require.Equal(t, 201, r.status)
	require.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)
}

func TestCloseDoesNotWaitOutLatency(t *testing.T) {
	t.Parallel()
	srv := partnerotest.New()
	srv.SetLatency(time.Minute)
	got := make(chan int, 1)
	go func() {
		resp, err := http.Post(srv.URL()+"/leads", "application/json", strings.NewReader(validLead))
		if err != nil {
			got <- 0
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	require.Eventually(t, func() bool { return srv.Attempts() == 1 }, time.Minute, 5*time.Millisecond)
	start := time.Now()
	srv.Close()
	require.Less(t, time.Since(start), time.Minute, "Close does not wait out the latency")
	status := <-got
	require.NotEqual(t, 200, status, "never a phantom success")
	require.NotEqual(t, 201, status)
}

func TestDown(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	srv.Script(partnerotest.InvalidPartnerKey())
	srv.SetDown(true)
	for _, path := range []string{"/leads", "/leads/details"} {
		method := map[string]string{"/leads": "POST", "/leads/details": "GET"}[path]
		r := call(t, srv, method, path, validLead)
		require.Equal(t, 503, r.status, path)
		require.JSONEq(t, `{"message":"Service Unavailable"}`, r.body)
	}
	require.Equal(t, 1, srv.Pending(), "the script waits while down")
	srv.SetDown(false)
	require.Equal(t, 400, call(t, srv, "POST", "/leads", validLead).status)
	require.Equal(t, 201, call(t, srv, "POST", "/leads", validLead).status)
}

// defaultDetails is partnero-api.md §4.1's example, verbatim.
const defaultDetails = `{"data": {
   "leads_enabled": "true",
   "program_leads_commission_type": "follow_program_settings",
   "leads_commission": {"currency": "USD", "commission": 19, "commission_type": "percent"},
   "leads_custom_form_fields": [
     {"id": 88, "type": "text",      "title": "",  "text": "<p>Text custom field</p>", "description": null, "required": false, "options": []},
     {"id": 89, "type": "input",     "title": "Input custom field",      "text": "", "description": null, "required": true,  "options": []},
     {"id": 90, "type": "textarea",  "title": "TextArea custom input",   "text": "", "description": null, "required": false, "options": []},
     {"id": 91, "type": "checkbox",  "title": "Custom field chbx",       "text": "", "description": null, "required": false, "options": ["chbx1","chbx2","chbx3"]},
     {"id": 92, "type": "radio",     "title": "Radio",                   "text": "", "description": null, "required": false, "options": ["radio1","radio2"]},
     {"id": 93, "type": "select",    "title": "Select input",            "text": "", "description": null, "required": false, "options": ["select1","select2","select3"]},
     {"id": 94, "type": "countries", "title": "Custom field country select", "text": "", "description": null, "required": false, "options": []}
   ]},
 "status": 1}`

func TestDetails(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	r := call(t, srv, "GET", "/leads/details", "")
	require.Equal(t, 200, r.status)
	require.JSONEq(t, defaultDetails, r.body)

	desc := "Your company"
	srv.SetForm(partnerotest.Form{Fields: []partnerotest.Field{{ID: 5, Type: "input", Title: "Company", Description: &desc}}})
	r = call(t, srv, "GET", "/leads/details", "")
	require.JSONEq(t, `{"data":{"leads_enabled":"false","program_leads_commission_type":"follow_program_settings",
		"leads_commission":{"currency":"USD","commission":19,"commission_type":"percent"},
		"leads_custom_form_fields":[{"id":5,"type":"input","title":"Company","text":"","description":"Your company","required":false,"options":[]}]},
		"status":1}`, r.body)

	raw := `{"data":{"leads_enabled":true,"leads_custom_form_fields":[]},"status":1}`
	verbatim := setup(t, partnerotest.WithFormJSON([]byte(raw)))
	require.Equal(t, raw, call(t, verbatim, "GET", "/leads/details", "").body)

	require.Panics(t, func() { partnerotest.WithFormJSON([]byte(`{"nope":1}`)) })
}

func createN(t *testing.T, srv *partnerotest.Server, n int) {
	t.Helper()
	for i := range n {
		body := fmt.Sprintf(`{"name":"Lead %d","email":"lead%d@example.com","partner":{"key":"k"}}`, i+1, i+1)
		require.Equal(t, 201, call(t, srv, "POST", "/leads", body).status)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	createN(t, srv, 20)

	type page struct {
		Data []struct {
			ID int `json:"id"`
		} `json:"data"`
		Links struct {
			First string  `json:"first"`
			Last  *string `json:"last"`
			Prev  *string `json:"prev"`
			Next  *string `json:"next"`
		} `json:"links"`
		Meta struct {
			CurrentPage int    `json:"current_page"`
			From        *int   `json:"from"`
			Path        string `json:"path"`
			PerPage     int    `json:"per_page"`
			To          *int   `json:"to"`
		} `json:"meta"`
		Status int `json:"status"`
	}
	get := func(query string) page {
		r := call(t, srv, "GET", "/leads"+query, "")
		require.Equal(t, 200, r.status, r.body)
		var p page
		require.NoError(t, json.Unmarshal([]byte(r.body), &p))
		return p
	}
	ids := func(p page) []int {
		var out []int
		for _, d := range p.Data {
			out = append(out, d.ID)
		}
		return out
	}

	p := get("")
	require.Len(t, p.Data, 15, "default limit")
	require.Equal(t, 1, p.Data[0].ID)
	require.Equal(t, srv.URL()+"/leads?page=1", p.Links.First)
	require.Nil(t, p.Links.Last)
	require.Nil(t, p.Links.Prev)
	require.NotNil(t, p.Links.Next)
	require.Equal(t, srv.URL()+"/leads?page=2", *p.Links.Next)
	require.Equal(t, 1, p.Meta.CurrentPage)
	require.Equal(t, 1, *p.Meta.From)
	require.Equal(t, 15, *p.Meta.To)
	require.Equal(t, srv.URL()+"/leads", p.Meta.Path)
	require.Equal(t, 15, p.Meta.PerPage)
	require.Equal(t, 1, p.Status)

	p = get("?limit=5&page=2")
	require.Equal(t, []int{6, 7, 8, 9, 10}, ids(p))
	require.Equal(t, srv.URL()+"/leads?limit=5&page=1", *p.Links.Prev)
	require.Equal(t, srv.URL()+"/leads?limit=5&page=3", *p.Links.Next)

	p = get("?limit=5&page=4")
	require.Equal(t, []int{16, 17, 18, 19, 20}, ids(p))
	require.Nil(t, p.Links.Next, "last page")

	p = get("?page=9")
	require.Empty(t, p.Data)
	require.Nil(t, p.Meta.From)
	require.Nil(t, p.Meta.To)

	require.Equal(t, 250, get("?limit=1000").Meta.PerPage, "capped")
	require.Equal(t, 1, get("?limit=0").Meta.PerPage)
	require.Equal(t, []int{20, 19, 18}, ids(get("?limit=3&sort=desc")))
}

func TestGetAndDelete(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	createN(t, srv, 2)

	r := call(t, srv, "GET", "/leads/2", "")
	require.Equal(t, 200, r.status)
	require.Contains(t, r.body, `"id":2,`)
	require.Contains(t, r.body, `"status":1}`)

	for _, path := range []string{"/leads/3", "/leads/abc"} {
		r = call(t, srv, "GET", path, "")
		require.Equal(t, 404, r.status, path)
		require.JSONEq(t, `{"message":"Lead not found"}`, r.body)
	}

	r = call(t, srv, "DELETE", "/leads/1", "")
	require.Equal(t, 200, r.status)
	require.JSONEq(t, `{"status":1}`, r.body)
	require.Equal(t, 404, call(t, srv, "GET", "/leads/1", "").status)
	require.Equal(t, 404, call(t, srv, "DELETE", "/leads/1", "").status)
	require.Len(t, srv.Leads(), 2, "the recording keeps deleted leads")
}

func TestConvertAndReject(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	createN(t, srv, 3)

	r := call(t, srv, "GET", "/leads/convert?id=1&commission_transaction_amount=500", "")
	require.Equal(t, 200, r.status, r.body)
	require.Contains(t, r.body, `"status":"converted"`)
	require.Contains(t, r.body, `"converted_to":{"key":"CUST00000001","name":"Lead 1","email":"lead1@example.com"}`)
	require.Contains(t, r.body, `"can_be_converted":false,"can_be_rejected":false`)

	r = call(t, srv, "POST", "/leads/convert", `{"id":2,"commission_transaction_amount":12.5}`)
	require.Equal(t, 200, r.status, r.body)

	r = call(t, srv, "POST", "/leads/reject", `{"id":3}`)
	require.Equal(t, 200, r.status, r.body)
	require.Contains(t, r.body, `"status":"rejected"`)
	require.Contains(t, r.body, `"converted_to":null`)

	r = call(t, srv, "GET", "/leads/reject?id=1", "")
	require.Equal(t, 422, r.status, "already converted")

	r = call(t, srv, "POST", "/leads/convert", `{"id":1.5}`)
	require.Equal(t, 422, r.status)
	require.JSONEq(t, `{"message":"The id field must be an integer. (and 1 more error)","errors":{
		"id":["The id field must be an integer."],
		"commission_transaction_amount":["The commission transaction amount field is required."]}}`, r.body)

	require.Equal(t, 404, call(t, srv, "GET", "/leads/reject?id=42", "").status)
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	r := call(t, srv, "GET", "/customers", "", "Authorization", "")
	require.Equal(t, 404, r.status, "404 comes before auth")
	require.JSONEq(t, `{"message":"The route v1/customers could not be found."}`, r.body)

	r = call(t, srv, "PUT", "/leads", "{}")
	require.Equal(t, 405, r.status)
	require.JSONEq(t, `{"message":"The PUT method is not supported for route v1/leads. Supported methods: GET, POST."}`, r.body)

	r = call(t, srv, "POST", "/leads", strings.Repeat(" ", 10<<20+1))
	require.Equal(t, 413, r.status)
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	const workers, each = 16, 20
	srv.FailNext(10, 503, "", nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				body := fmt.Sprintf(`{"name":"W%d","email":"w%d-%d@example.com","partner":{"key":"k"}}`, w, w, i)
				resp, err := http.Post(srv.URL()+"/leads?x", "application/json", bytes.NewBufferString(body))
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				statuses[resp.StatusCode]++
				mu.Unlock()
				// Readers race with writers on purpose.
				_ = srv.Leads()
				_ = srv.Attempts()
				if i == each/2 {
					srv.SetLatency(0)
					srv.SetAPIKeys(partnerotest.DefaultAPIKey)
				}
			}
		})
	}
	wg.Wait()
	// http.Post sends no Authorization header: every unscripted answer is 401.
	require.Equal(t, map[int]int{503: 10, 401: workers*each - 10}, statuses)
	require.Equal(t, workers*each, srv.Attempts())
	require.Len(t, srv.Requests(), workers*each)
}

func TestConcurrentCreatesGetUniqueIDs(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	const n = 100
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprintf(`{"name":"L","email":"l%d@example.com","partner":{"key":"k"}}`, i)
			req, _ := http.NewRequest("POST", srv.URL()+"/leads", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+partnerotest.DefaultAPIKey)
			req.Header.Set("Accept", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, l := range srv.Leads() {
		require.False(t, seen[l.ID], "duplicate id %d", l.ID)
		seen[l.ID] = true
	}
	require.Len(t, seen, n)
}

func TestReset(t *testing.T) {
	t.Parallel()
	srv := setup(t, partnerotest.WithAPIKey("k1"))
	createN := func() int {
		return call(t, srv, "POST", "/leads", validLead, "Authorization", "Bearer k1").status
	}
	require.Equal(t, 201, createN())
	srv.SetAPIKeys("k2")
	srv.SetDown(true)
	srv.SetLatency(time.Hour)
	srv.FailNext(3, 500, "", nil)

	srv.Reset()
	require.Empty(t, srv.Leads())
	require.Empty(t, srv.Requests())
	require.Zero(t, srv.Attempts())
	require.Zero(t, srv.Pending())
	require.Equal(t, 201, createN(), "keys, down and latency are back to New's")
	require.Equal(t, 1, srv.Leads()[0].ID, "ids restart")
}
