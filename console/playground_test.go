package console

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/store"
)

const typeformYAML = `sources:
  typeform:
    provider: typeform
    secret: ${TYPEFORM_SECRET_UNSET_IN_TESTS}
    lead:
      name: answers.first_name
      email: answers.email
      partner: {key: form_response.hidden.ref}
`

// typeformWith returns the Typeform sample with another email and ref.
func typeformWith(t *testing.T, email, ref string) []byte {
	s := string(sample(t, "typeform.json"))
	s = strings.ReplaceAll(s, "alice.brown@example.com", email)
	return []byte(strings.Replace(s, `"ref": "ref_123"`, `"ref": "`+ref+`"`, 1))
}

func (x *harness) play(form url.Values) string {
	x.t.Helper()
	form.Set("partial", "1")
	rec := x.postForm("/playground", form)
	require.Equal(x.t, http.StatusOK, rec.Code, rec.Body.String())
	return html.UnescapeString(rec.Body.String())
}

func TestPlaygroundLoadsTheSourceAndEvent(t *testing.T) {
	x := newHarness(t)
	id := x.ingest("typeform", "k1", sample(t, "typeform.json"), queuedLead("k1", "alice.brown@example.com"))
	rec := x.get("/playground?event=1")
	require.Equal(t, http.StatusOK, rec.Code)
	body := html.UnescapeString(rec.Body.String())
	require.Contains(t, body, "sources:\n  typeform:\n    provider: typeform\n    secret: hidden-by-the-console\n", "the event's source, its literal secret hidden")
	require.NotContains(t, body, "literal-secret-value")
	require.Contains(t, body, `"email": "alice.brown@example.com"`, "run at once")
	require.Contains(t, body, "<strong>0</strong> of the 1 stored events would map differently")
	require.Contains(t, body, `<option value="1" selected>1 · typeform · queued</option>`)
	_ = id

	rec = x.get("/playground?event=42")
	require.Contains(t, rec.Body.String(), "There is no event 42.")
	rec = x.get("/playground?source=nope")
	require.Contains(t, html.UnescapeString(rec.Body.String()), `There is no source "nope" in the mappings in force`)
}

func TestPlaygroundRun(t *testing.T) {
	x := newHarness(t)
	x.ingest("typeform", "k1", sample(t, "typeform.json"), queuedLead("k1", "alice.brown@example.com"))

	out := x.play(url.Values{"event": {"1"}, "yaml": {typeformYAML}})
	require.Contains(t, out, "source typeform (provider typeform), 1 lead candidate\nlead: mapped")
	require.Contains(t, out, `"partner": {`+"\n"+`    "key": "ref_123"`)

	// A typo: the mapping fails, with try's diagnostics and hints.
	out = x.play(url.Values{"event": {"1"}, "yaml": {strings.Replace(typeformYAML, "answers.email", "answers.emial", 1)}})
	require.Contains(t, out, "lead: mapping failed; answered 422 and stored for replay:")
	require.Contains(t, out, `(did you mean "email" ("Your work email?")?)`)
	require.Contains(t, out, `<span class="st st-failed">failed</span>`)

	// A pasted form payload, its content type given.
	yaml := "sources:\n  web:\n    provider: generic\n    insecure: true\n    lead: {name: name, email: email, partner: {key: ref}}\n"
	out = x.play(url.Values{"payload": {"name=Bo&email=bo%40example.com&ref=r9"}, "content_type": {"application/x-www-form-urlencoded"}, "yaml": {yaml}})
	require.Contains(t, out, `"email": "bo@example.com"`)
	require.Contains(t, out, "No stored events of web to compare.")

	// Problems of the YAML, at their line.
	out = x.play(url.Values{"event": {"1"}, "yaml": {"sources:\n  typeform:\n    provider: typeform\n    secret: x\n    lead: {name: answers.first_name, email: answers.email, partner: {key: a}, cfield: {}}\n"}})
	require.Contains(t, out, "The YAML does not load:")
	require.Contains(t, out, "playground.yaml:5:")
	out = x.play(url.Values{"event": {"1"}, "yaml": {""}})
	require.Contains(t, out, "Write a source's YAML")

	// Several sources: the named one runs.
	two := typeformYAML + "  other:\n    provider: generic\n    insecure: true\n    lead: {name: n, email: e, partner: {key: r}}\n"
	out = x.play(url.Values{"event": {"1"}, "yaml": {two}, "source": {"typeform"}})
	require.Contains(t, out, "lead: mapped")
	out = x.play(url.Values{"event": {"1"}, "yaml": {two}, "source": {"missing"}})
	require.Contains(t, out, `The YAML defines 2 sources (other, typeform) and none is named "missing"`)

	out = x.play(url.Values{"yaml": {typeformYAML}})
	require.Contains(t, out, "Pick a stored event or paste a payload.")
	out = x.play(url.Values{"yaml": {typeformYAML}, "payload": {`{"a":`}})
	require.Contains(t, out, "The payload cannot be decoded")

	// The whole page without the script (no partial).
	rec := x.postForm("/playground", url.Values{"event": {"1"}, "yaml": {typeformYAML}})
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), `<textarea id="yaml"`)
	require.Contains(t, rec.Body.String(), `id="try-output"`)

	big := strings.Repeat("x", 1<<20+1)
	rec = x.postForm("/playground", url.Values{"yaml": {typeformYAML}, "payload": {big}})
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
}

func TestPlaygroundHistoryDiff(t *testing.T) {
	x := newHarness(t)
	x.ingest("typeform", "a", typeformWith(t, "a@example.com", "ref_a"), queuedLead("a", "a@example.com"))
	x.ingest("typeform", "b", typeformWith(t, "b@example.com", "ref_b"), queuedLead("b", "b@example.com"))
	x.ingest("typeform", "c", typeformWith(t, "c@example.com", ""), store.NewLead{DedupeKey: "c", Status: store.StatusIgnored, Reason: "no partner"})
	x.ingest("form", "d", []byte(`{"name":"D","email":"d@example.com","ref":"r"}`), queuedLead("d", "d@example.com"))

	out := x.play(url.Values{"event": {"1"}, "yaml": {typeformYAML}})
	require.Contains(t, out, "<strong>0</strong> of the 3 stored events would map differently from the mappings in force")

	// A template for the name changes the two mapped events; the one
	// without a partner stays ignored.
	edited := strings.Replace(typeformYAML, "name: answers.first_name", "name: {template: '{{answers.first_name}} {{answers.last_name}}'}", 1)
	out = x.play(url.Values{"event": {"1"}, "yaml": {edited}})
	require.Contains(t, out, "<strong>2</strong> of the 3 stored events would map differently from the mappings in force")
	require.Contains(t, out, `<a href="/events/2">2</a>`, "newest first")
	require.Contains(t, out, `sends {"name":"Alice","email":"b@example.com","partner":{"key":"ref_b"}}`)
	require.Contains(t, out, `sends {"name":"Alice Brown","email":"b@example.com","partner":{"key":"ref_b"}}`)
	require.NotContains(t, out, `<a href="/events/3">`)

	// partner_missing: fail turns the ignored one into a failure.
	out = x.play(url.Values{"event": {"1"}, "yaml": {strings.Replace(typeformYAML, "    lead:", "    partner_missing: fail\n    lead:", 1)}})
	require.Contains(t, out, "<strong>1</strong> of the 3 stored events")
	require.Contains(t, out, "ignored (no partner)")
	require.Contains(t, out, "fails: partner: no partner identifier")

	// Another source of the mappings in force: its own events are compared.
	renamed := strings.Replace(typeformYAML, "  typeform:", "  form:", 1)
	out = x.play(url.Values{"event": {"1"}, "yaml": {strings.Replace(renamed, "provider: typeform", "provider: generic\n    signature: {header: X-Sig}", 1)}})
	require.Contains(t, out, "<strong>1</strong> of the 1 stored events would map differently from the mappings in force")
	require.Contains(t, out, `sends {"name":"D","email":"d@example.com","partner":{"key":"r"}}`)
	require.Contains(t, out, "<pre>ignored (no partner)</pre>", "no partner: ignored before the rest fails")
}

func TestPlaygroundSourceNotInForce(t *testing.T) {
	x := newHarness(t)
	x.ingest("new-form", "a", []byte(`{"name":"A","email":"a@example.com","ref":"r"}`), store.NewLead{DedupeKey: "a", Status: store.StatusFailed, Reason: "[]"})
	yaml := "sources:\n  new-form:\n    provider: generic\n    insecure: true\n    lead: {name: name, email: email, partner: {key: ref}}\n"
	out := x.play(url.Values{"event": {"1"}, "yaml": {yaml}})
	require.Contains(t, out, "<strong>1</strong> of the 1 stored events would map differently (the mappings in force do not map new-form)")
	require.Contains(t, out, "no such source in the mappings in force")
}

func TestDraft(t *testing.T) {
	var calls []string
	draft := func(_ context.Context, id int64, name string) (string, error) {
		calls = append(calls, name)
		if name == "bad" {
			return "", errors.New("the event's payload has no email-like value")
		}
		return "sources:\n  " + name + ":\n    provider: generic\n    insecure: true\n    lead: {name: name, email: email, partner: {key: ref}}\n", nil
	}
	x := newHarness(t, withDraft(draft))
	captured := &store.Intake{Source: "new-form", ContentType: "application/json", Payload: []byte(`{"name":"A","email":"a@example.com","ref":"r"}`), EventKey: "c", Captured: true}
	_, err := x.store.Ingest(context.Background(), captured)
	require.NoError(t, err)

	body := x.get("/events/1").Body.String()
	require.Contains(t, body, `id="draft"`)
	require.Contains(t, body, "This webhook was captured: its source <strong>new-form</strong> is not in the mappings in force")
	body = x.get("/playground?event=1").Body.String()
	require.Contains(t, body, `action="/playground/draft"`, "a captured event offers a draft")
	require.Contains(t, body, `There is no source &#34;new-form&#34; in the mappings in force`)

	rec := x.postForm("/playground/draft", url.Values{"event": {"1"}, "name": {"leads-v2"}})
	require.Equal(t, http.StatusOK, rec.Code)
	out := html.UnescapeString(rec.Body.String())
	require.Contains(t, out, "sources:\n  leads-v2:\n    provider: generic")
	require.Contains(t, out, `Drafted from event <a href="/events/1">1</a>`)
	require.Contains(t, out, "This draft is named leads-v2, not new-form", "the captured events are new-form's")
	require.Contains(t, out, `"email": "a@example.com"`, "the draft runs on the event at once")
	require.Equal(t, []string{"leads-v2"}, calls)

	rec = x.postForm("/playground/draft", url.Values{"event": {"1"}, "name": {"bad"}})
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	require.Contains(t, rec.Body.String(), "has no email-like value")
	rec = x.postForm("/playground/draft", url.Values{"event": {"7"}})
	require.Equal(t, http.StatusNotFound, rec.Code)

	// Drafting from an event that was not captured: the draft, no panel.
	x.ingest("form", "q", []byte(`{"name":"Q","email":"q@example.com","ref":"r"}`), queuedLead("q", "q@example.com"))
	rec = x.postForm("/playground/draft", url.Values{"event": {"2"}, "name": {"form-v2"}})
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "Drafted from event 2. Check it below, then put it in your mapping file: the console does not write files.")
	require.NotContains(t, rec.Body.String(), `id="capture"`)

	none := newHarness(t)
	require.Equal(t, http.StatusNotFound, none.postForm("/playground/draft", url.Values{"event": {"1"}}).Code)
}
