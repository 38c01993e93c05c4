package console

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/bridge"
	"github.com/leadbridge/leadbridge/mappings"
)

// captureHarness: the harness's sources plus "cap", a Typeform source
// without lead rules whose secret is literal (a draft names it
// ${TYPEFORM_SECRET}, which the harness does not set).
const captureSourcesYAML = testMappings + `  cap:
    provider: typeform
    secret: literal-capture-secret
`

// capLeadsYAML is cap with lead rules, as after the draft was put in the file.
const capLeadsYAML = testMappings + `  cap:
    provider: typeform
    secret: literal-capture-secret
    lead: {name: answers.first_name, email: answers.email, partner: {key: form_response.hidden.ref}}
`

// capturing returns a harness whose Draft is the draft package (as serve
// wires it), with the capture source cap in force.
func capturing(t *testing.T) (*harness, *draftCalls) {
	t.Helper()
	calls := &draftCalls{}
	var x *harness
	x = newHarness(t, withDraft(func(ctx context.Context, id int64, name string) (string, error) {
		calls.add(id)
		return draftFrom(x.store, func() *mappings.Config { return x.cfg })(ctx, id, name)
	}))
	x.setMappings(captureSourcesYAML)
	return x, calls
}

type draftCalls struct {
	mu  sync.Mutex
	ids []int64
}

func (d *draftCalls) add(id int64) { d.mu.Lock(); d.ids = append(d.ids, id); d.mu.Unlock() }
func (d *draftCalls) get() []int64 { d.mu.Lock(); defer d.mu.Unlock(); return d.ids }

func uuidForm(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "mappings", "testdata", "typeform-uuid-refs.json"))
	require.NoError(t, err)
	return b
}

func TestCaptureFlowInThePlayground(t *testing.T) {
	x, _ := capturing(t)

	// Nothing captured yet: the panel says where to point the provider.
	body := html.UnescapeString(x.get("/playground?source=cap").Body.String())
	require.Contains(t, body, "cap captures: it has no lead rules yet")
	require.Contains(t, body, "None has arrived yet: paste its URL")
	require.NotContains(t, body, `id="draft"`, "nothing to draft from")

	x.capture("cap", "a", uuidForm(t))
	newest := x.capture("cap", "b", sample(t, "typeform.json"))

	// A source alone: its newest event is run, and drafted from.
	body = html.UnescapeString(x.get("/playground?source=cap").Body.String())
	require.Contains(t, body, `<a href="/events?status=captured&source=cap">2 captured events</a> wait for lead rules.`)
	require.Regexp(t, `(?s)<form method="post" action="/playground/draft"[^>]*id="draft">.*name="event" value="2">`, body)
	require.Contains(t, body, "Put the YAML in your mapping file <code>"+x.mapFile+"</code>, in place of the source <code>cap</code> defined at line 13")
	require.Contains(t, body, "lead: captured: the source has no lead: rules; answered 202 captured", "what try prints for a capture source")
	require.Contains(t, body, "would map differently from today: in the mappings in force cap has no lead rules and captures them")
	require.NotContains(t, body, `id="replay-captured"`, "no replay while cap captures")
	require.Equal(t, int64(2), newest)

	// Drafting from the first event: the draft, what it sends, the steps.
	rec := x.postForm("/playground/draft", url.Values{"event": {"1"}, "name": {"cap"}})
	require.Equal(t, http.StatusOK, rec.Code)
	body = html.UnescapeString(rec.Body.String())
	require.Contains(t, body, `email: answers.0c1f7f0e-5a5e-4d8f-9b1e-2f3a4b5c6d03 # "Your work email?"`)
	require.Contains(t, body, `"email": "alice.brown@example.com"`)
	require.Contains(t, body, `Drafted from event <a href="/events/1">1</a>`)
	require.Contains(t, body, `<button type="button" class="small" data-copy="yaml">copy the YAML</button>`)
	require.Contains(t, body, "The YAML names <code>${TYPEFORM_SECRET}</code>, which is not set on this server",
		"a literal secret is drafted as a variable, which must be set before the file is saved")
	require.NotContains(t, body, `id="draft-renamed"`)
	require.Contains(t, body, `<a href="/playground?event=1&source=cap" id="capture-reload">reload this page</a>`)

	// Drafted under another name: the captured events stay cap's.
	body = html.UnescapeString(x.postForm("/playground/draft", url.Values{"event": {"1"}, "name": {"cap-v2"}}).Body.String())
	require.Contains(t, body, "This draft is named cap-v2, not cap: the captured events are cap's")

	// The file was saved with a mistake: the reload error is on the panel.
	loaded := x.clock.Now()
	x.status.set(bridge.Status{MappingsLoadedAt: loaded, ReloadError: "mappings.yaml:16:5: source \"cap\": <lead> problem", ReloadFailedAt: loaded.Add(time.Minute)})
	body = x.get("/playground?event=1&source=cap").Body.String()
	require.Contains(t, body, `id="reload-error"`)
	require.Contains(t, body, "mappings.yaml:16:5: source &#34;cap&#34;: &lt;lead&gt; problem")
	x.status.set(bridge.Status{MappingsLoadedAt: loaded.Add(2 * time.Minute), ReloadError: "old", ReloadFailedAt: loaded.Add(time.Minute)})
	require.NotContains(t, x.get("/playground?event=1&source=cap").Body.String(), `id="reload-error"`, "a later load succeeded")

	// Lead rules in force: the panel offers the replay of the captured events.
	x.setMappings(capLeadsYAML)
	body = html.UnescapeString(x.get("/playground?event=1&source=cap").Body.String())
	require.Contains(t, body, "cap maps leads now")
	require.Regexp(t, `(?s)<form method="post" action="/events/replay" id="replay-captured">\s*<input type="hidden" name="csrf" value="">\s*`+
		`<input type="hidden" name="status" value="captured">\s*<input type="hidden" name="source" value="cap">\s*`+
		`<button type="submit">Replay the 2 captured events of cap</button>`, body)
	rec = x.postForm("/events/replay", url.Values{"status": {"captured"}, "source": {"cap"}})
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "Replayed 2 events with status captured of cap")
	require.Contains(t, rec.Body.String(), `<a href="/events?source=cap" id="replay-next">See these events in every status</a>`)
	require.Equal(t, [][]int64{{1, 2}}, x.replays.Calls())

	// Mapped and nothing captured: off the path, no panel.
	x2 := newHarness(t)
	x2.ingest("typeform", "k", sample(t, "typeform.json"), queuedLead("k", "a@example.com"))
	require.NotContains(t, x2.get("/playground?source=typeform").Body.String(), `id="capture"`)
}

func TestReplayReportSaysWhatStaysCaptured(t *testing.T) {
	x, _ := capturing(t)
	id := x.capture("cap", "a", uuidForm(t))
	x.replays.stillCaptures = []string{"cap"}
	rec := x.postForm("/events/"+itoa(id)+"/replay", url.Values{})
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "<strong>1 still captured</strong>: cap has no lead rules in the mappings in force")
}

func TestCapturedEventPage(t *testing.T) {
	x, _ := capturing(t)
	id := x.capture("cap", "a", uuidForm(t))
	body := x.get("/events/" + itoa(id)).Body.String()
	require.Contains(t, body, `id="captured-box"`)
	require.Contains(t, body, "<strong>cap</strong> has no lead rules, so nothing was sent")
	require.Equal(t, 1, strings.Count(body, `action="/playground/draft"`), "one draft form, in the box")
	require.Contains(t, body, `<button type="submit" class="secondary">Replay with the mappings in force</button>`)
	require.Contains(t, body, `data-path="form_response.answers.2.email" data-view="answers.0c1f7f0e-5a5e-4d8f-9b1e-2f3a4b5c6d03" data-title="Your work email?">alice.brown@example.com</button>`)

	x.setMappings(capLeadsYAML)
	body = x.get("/events/" + itoa(id)).Body.String()
	require.Contains(t, body, "It maps leads now: replay it")
	require.Contains(t, body, `<button type="submit">Replay with the mappings in force</button>`)
}

func TestCaptureOnTheOverviewSourcesAndEvents(t *testing.T) {
	x, _ := capturing(t)
	body := x.get("/").Body.String()
	require.Contains(t, body, "Source cap captures (it has no lead rules) and nothing has arrived yet")
	require.NotContains(t, body, `id="no-warnings"`)
	require.Contains(t, x.get("/sources").Body.String(), "Paste the URL into the provider and submit the form once")

	x.capture("cap", "a", uuidForm(t))
	x.capture("cap", "b", sample(t, "typeform.json"))
	x.capture("gone", "c", []byte(`{"a":1}`))
	body = x.get("/").Body.String()
	require.Contains(t, body, "Source cap captures (it has no lead rules): 2 webhooks wait for them.")
	require.Contains(t, body, `<a href="/playground?source=cap">Draft them in the playground</a>`)
	require.Contains(t, body, "1 webhook captured by source gone, which is no longer in the mappings")
	require.Regexp(t, `(?s)Last 24 hours.*Webhooks by outcome <small>3</small>.*st-captured">captured</span></a></td><td class="num">3<`, body)
	sources := x.get("/sources").Body.String()
	require.Regexp(t, `(?s)id="source-cap".*capture only.*<code id="url-cap">https://YOUR-PUBLIC-HOST/hooks/cap</code>.*signature: Typeform-Signature`, sources)
	require.Contains(t, sources, `<a href="/playground?source=cap">Draft its lead rules from the newest captured payload</a>`)
	events := x.get("/events?status=captured").Body.String()
	require.Contains(t, events, `id="captured-hint"`)
	require.Equal(t, 3, strings.Count(events, `<td><span class="st st-captured">captured</span></td>`), "three rows")

	// The capture-first pages need nothing the CSP forbids.
	draft := x.postForm("/playground/draft", url.Values{"event": {"1"}})
	require.Equal(t, http.StatusOK, draft.Code)
	for name, body := range map[string]string{"overview": body, "sources": sources, "events": events, "draft": draft.Body.String(),
		"playground": x.get("/playground?source=cap").Body.String(), "event": x.get("/events/1").Body.String()} {
		require.NotRegexp(t, inlineScript, body, name)
		require.NotRegexp(t, inlineAttrs, body, name)
	}

	// The rules are written but the replay is forgotten: said on every page.
	x.setMappings(capLeadsYAML)
	body = x.get("/").Body.String()
	require.Contains(t, body, "Source cap maps leads now, but 2 of its webhooks are still captured: replay them to send their leads.")
	require.Contains(t, body, `<a href="/events?status=captured&amp;source=cap">Replay them</a>`)
	require.Contains(t, x.get("/sources").Body.String(), `2 events were captured before it had lead rules: <a href="/events?status=captured&amp;source=cap">replay them</a>`)
}

// TestDraftAndReplayCapturedNeedCSRF: the draft button and the replay of
// captured events change state (a draft is logged and run; a replay
// queues leads): with the session cookie, only with the page's token.
func TestDraftAndReplayCapturedNeedCSRF(t *testing.T) {
	x, calls := capturing(t)
	id := x.capture("cap", "a", uuidForm(t))
	c := x.login()
	for _, page := range []string{"/events/" + itoa(id), "/playground?source=cap"} {
		body := x.do(http.MethodGet, page, nil, withCookie(c)).Body.String()
		token := csrfOf(t, body)
		require.Regexp(t, `(?s)<form method="post" action="/playground/draft"[^>]*>\s*<input type="hidden" name="csrf" value="`+regexp.QuoteMeta(token)+`">`, body, page)
	}
	token := csrfOf(t, x.do(http.MethodGet, "/", nil, withCookie(c)).Body.String())
	other := csrfOf(t, x.do(http.MethodGet, "/", nil, withCookie(x.login())).Body.String())
	draft := url.Values{"event": {itoa(id)}, "name": {"cap"}}
	for name, tok := range map[string]string{"missing": "", "another session's": other, "altered": flip(token)} {
		form := url.Values{"event": draft["event"], "name": draft["name"]}
		if tok != "" {
			form.Set("csrf", tok)
		}
		rec := x.do(http.MethodPost, "/playground/draft", strings.NewReader(form.Encode()), withCookie(c))
		require.Equal(t, http.StatusForbidden, rec.Code, name)
		replay := url.Values{"status": {"captured"}, "source": {"cap"}, "csrf": form["csrf"]}
		rec = x.do(http.MethodPost, "/events/replay", strings.NewReader(replay.Encode()), withCookie(c))
		require.Equal(t, http.StatusForbidden, rec.Code, name)
	}
	require.Empty(t, calls.get(), "nothing was drafted")
	require.Empty(t, x.replays.Calls(), "nothing was replayed")

	draft.Set("csrf", token)
	rec := x.do(http.MethodPost, "/playground/draft", strings.NewReader(draft.Encode()), withCookie(c))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "Drafted from event")
	require.Equal(t, []int64{id}, calls.get())
	x.setMappings(capLeadsYAML)
	rec = x.do(http.MethodPost, "/events/replay", strings.NewReader(url.Values{"status": {"captured"}, "source": {"cap"}, "csrf": {token}}.Encode()), withCookie(c))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, [][]int64{{id}}, x.replays.Calls())
}

// TestCapturedPayloadIsEscaped: a captured payload full of markup (in
// answers, hidden fields and the form's question titles, which the tree,
// the draft's comments and try's output show) renders inert on every page
// of the capture-first path.
func TestCapturedPayloadIsEscaped(t *testing.T) {
	x, _ := capturing(t)
	s := string(uuidForm(t))
	s = strings.Replace(s, `"title": "Company"`, `"title": "<script>alert('title')</script>"`, 1)
	s = strings.Replace(s, `"Brown Consulting"`, `"</textarea><script>alert('answer')</script>"`, 1)
	s = strings.Replace(s, `"text": "Alice"`, `"text": "<script>alert('name')</script>"`, 1)
	s = strings.Replace(s, `"utm_medium": "affiliate"`, `"utm_medium": "\"><img src=x onerror=alert('utm')>"`, 1)
	s = strings.Replace(s, `"utm_source": "partner"`, `"<b>key</b>": "javascript:alert('key')"`, 1)
	id := x.capture("cap", "evil", []byte(s))
	ev := itoa(id)
	rec := x.postForm("/playground/draft", url.Values{"event": {ev}, "name": {"cap"}})
	require.Equal(t, http.StatusOK, rec.Code)
	pages := map[string]string{
		"event":      x.get("/events/" + ev).Body.String(),
		"events":     x.get("/events?status=captured").Body.String(),
		"playground": x.get("/playground?source=cap").Body.String(),
		"draft":      rec.Body.String(),
		"overview":   x.get("/").Body.String(),
		"sources":    x.get("/sources").Body.String(),
	}
	for name, body := range pages {
		require.NotContains(t, body, "<script>alert", name)
		require.NotContains(t, body, "</textarea><script>", name)
		require.NotContains(t, body, "<img src=x", name)
		require.NotContains(t, body, "<b>key</b>", name)
		require.NotContains(t, body, `href="javascript:`, name)
		require.NotRegexp(t, inlineScript, body, "%s: no inline script under the CSP", name)
	}
	require.Contains(t, pages["event"], `<span class="qtitle">&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;</span>`)
	require.Contains(t, pages["event"], `data-title="&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;"`)
	require.Contains(t, pages["draft"], `# &#34;&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;&#34;`, "the title in the draft's comments")
	require.Contains(t, pages["draft"], `&#34;name&#34;: &#34;&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; Brown&#34;`, "the name in try's output (a JSON body)")
	require.Contains(t, pages["draft"], `&#34;key&#34;: &#34;ref_123&#34;`)
	require.Contains(t, pages["event"], `&#34;\&#34;&gt;&lt;img src=x onerror=alert(&#39;utm&#39;)&gt;&#34;`, "the raw payload")
	require.Contains(t, pages["playground"], `&lt;/textarea&gt;&lt;script&gt;alert(&#39;answer&#39;)&lt;/script&gt;`, "the payload in its text area")
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// flip changes a token's first character to another valid one.
func flip(tok string) string {
	if tok[0] == 'A' {
		return "B" + tok[1:]
	}
	return "A" + tok[1:]
}
