package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/bridge"
	"github.com/leadbridge/leadbridge/store"
)

func TestOverview(t *testing.T) {
	x := newHarness(t)
	rec := x.get("/")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), `id="no-warnings"`)
	require.Contains(t, rec.Body.String(), "No webhooks in this window.")

	// Three days ago (7 d only), then now: queued, failed, ignored for no partner.
	x.clock.Add(-72 * time.Hour)
	x.ingest("typeform", "old", []byte(`{}`), queuedLead("old", "a@example.com"))
	x.clock.Add(72 * time.Hour)
	x.ingest("typeform", "q", []byte(`{}`), queuedLead("q", "a@example.com"))
	x.ingest("typeform", "f", []byte(`{}`), failedLead("f"))
	for i := range 5 {
		x.ingest("form", fmt.Sprint("np", i), []byte(`{}`), store.NewLead{DedupeKey: fmt.Sprint("np", i), Status: store.StatusIgnored, Reason: "no partner"})
	}
	x.status.set(bridge.Status{DryRun: true, ReloadError: "mappings.yaml:3:5: source \"x\": <unknown key>", ReloadFailedAt: x.clock.Now(),
		AuthFailing: map[string]time.Time{"default key": x.clock.Now().Add(-time.Hour)}})
	body := x.get("/").Body.String()
	for _, want := range []string{
		"Dry-run: PARTNERO_API_KEY is not set",
		"Partnero rejects the API key (default key) since 2026-03-02 09:30:00 UTC",
		"the previous mappings stay in force", "mappings.yaml:3:5: source &#34;x&#34;: &lt;unknown key&gt;",
		"1 lead failed mapping", `href="/events?status=failed"`,
		"Source form: 5 of 5 leads in the last 24 hours had no partner identifier",
		"Last 24 hours", "Last 7 days", `<svg viewBox="0 0 720 170"`,
	} {
		require.Contains(t, body, want)
	}
	require.NotContains(t, body, "dead lead", "no dead leads, no warning")
	// Webhooks by outcome in each window: 7 in 24 h (1 queued), 8 in 7 days (2 queued).
	require.Regexp(t, `(?s)Last 24 hours.*Webhooks by outcome <small>7</small>.*Last 7 days.*Webhooks by outcome <small>8</small>`, body)
	require.Regexp(t, `(?s)Last 7 days.*st-queued">queued</span></a></td><td class="num">2<`, body)
	// One bar per hour: 24 and 168.
	require.Equal(t, 24+168, strings.Count(body, `class="hit"`))
	require.Contains(t, body, "<title>Mon 02 Mar 10:00 UTC: 1 queued, 5 ignored, 1 failed</title>")
}

func TestEventsListFilterAndPages(t *testing.T) {
	x := newHarness(t)
	var ids []int64
	for i := range pageSize + 5 {
		key := fmt.Sprint("k", i)
		lead := queuedLead(key, fmt.Sprintf("p%d@example.com", i%3))
		if i%2 == 1 {
			lead = failedLead(key)
		}
		ids = append(ids, x.ingest("typeform", key, []byte(`{}`), lead))
	}
	body := x.get("/events").Body.String()
	rows := regexp.MustCompile(`<a href="/events/(\d+)">`).FindAllStringSubmatch(body, -1)
	require.Len(t, rows, pageSize)
	require.Equal(t, strconv.FormatInt(ids[len(ids)-1], 10), rows[0][1], "newest first")
	next := regexp.MustCompile(`href="(/events\?before=\d+)" id="older"`).FindStringSubmatch(body)
	require.NotNil(t, next)
	body = x.get(strings.ReplaceAll(next[1], "&amp;", "&")).Body.String()
	require.Len(t, regexp.MustCompile(`<a href="/events/\d+">`).FindAllString(body, -1), 5)
	require.NotContains(t, body, `id="older"`)

	body = x.get("/events?status=failed&email=P2%40example.com").Body.String()
	require.Contains(t, body, `id="no-events"`, "failed leads have no email")
	body = x.get("/events?status=queued&email=P2%40example.com").Body.String()
	got := regexp.MustCompile(`<a href="/events/(\d+)">`).FindAllStringSubmatch(body, -1)
	require.Len(t, got, 9, "even i with i%%3 == 2 below 55")
	require.Contains(t, body, `id="bulk-replay"`)
	require.NotContains(t, x.get("/events").Body.String(), `id="bulk-replay"`, "bulk replay needs a status")

	rec := x.postForm("/events/replay", url.Values{"status": {"queued"}, "email": {"p2@example.com"}, "force": {"on"}})
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "Replayed 9 events with status queued for p2@example.com")
	calls := x.replays.Calls()
	require.Len(t, calls, 1)
	require.Len(t, calls[0], 9)
	require.Less(t, calls[0][0], calls[0][8], "oldest first")
	require.Equal(t, []bool{true}, x.replays.force)

	rec = x.postForm("/events/replay", url.Values{"source": {"typeform"}})
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Len(t, x.replays.Calls(), 1)
}

func TestEventPage(t *testing.T) {
	x := newHarness(t)
	id := x.ingest("typeform", "k1", sample(t, "typeform.json"), queuedLead("k1", "alice.brown@example.com"))
	body := x.get("/events/" + strconv.FormatInt(id, 10)).Body.String()
	require.Contains(t, body, `data-path="form_response.answers.2.email" data-view="answers.email" data-title="Your work email?">alice.brown@example.com</button>`)
	require.Contains(t, body, `data-path="form_response.hidden.ref" data-view="" data-title="">ref_123</button>`)
	require.Contains(t, body, `&#34;email&#34;: &#34;alice.brown@example.com&#34;`, "the lead's request body")
	require.Contains(t, body, `href="/playground?event=1&amp;source=typeform"`)
	require.NotContains(t, body, `id="draft"`, "no Draft dependency")

	require.Equal(t, http.StatusNotFound, x.get("/events/999").Code)
	require.Equal(t, http.StatusNotFound, x.get("/events/abc").Code)

	rec := x.postForm("/events/1/replay", url.Values{})
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "Replayed event 1")
	require.Equal(t, [][]int64{{1}}, x.replays.Calls())
}

func TestEventPageOfAnUndecodablePayload(t *testing.T) {
	x := newHarness(t)
	id := x.ingest("typeform", "k1", []byte(`{"broken":`), failedLead("k1"))
	rec := x.get("/events/" + strconv.FormatInt(id, 10))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "The payload cannot be decoded")
	require.Contains(t, rec.Body.String(), `{&#34;broken&#34;:`)
}

func TestSourcesPage(t *testing.T) {
	x := newHarness(t)
	x.ingest("typeform", "a", []byte(`{}`), queuedLead("a", "a@example.com"))
	x.clock.Add(time.Minute)
	x.ingest("typeform", "b", []byte(`{}`), failedLead("b"))
	x.ingest("renamed", "c", []byte(`{}`), failedLead("c"))
	x.clock.Add(2 * time.Minute)
	body := x.get("/sources").Body.String()
	require.Contains(t, body, `<code id="url-typeform">https://YOUR-PUBLIC-HOST/hooks/typeform</code>`)
	require.Contains(t, body, "signature: Typeform-Signature")
	require.Contains(t, body, "token: header X-Leadbridge-Token")
	require.Contains(t, body, "Last event 2 min ago · 2 stored")
	require.Contains(t, body, `href="/events?source=typeform&amp;status=failed"`)
	require.Regexp(t, `(?s)id="source-renamed".*not in the mappings`, body)
	require.Contains(t, body, x.mapFile+":2")
	require.NotContains(t, body, "literal-secret-value")
	require.NotContains(t, body, "form-token")
}

func TestStoreDownIs503(t *testing.T) {
	x := newHarness(t)
	require.NoError(t, x.store.Close(context.Background()))
	for _, p := range []string{"/", "/events", "/events/1", "/sources", "/playground"} {
		rec := x.get(p)
		require.Equal(t, http.StatusServiceUnavailable, rec.Code, p)
		require.Contains(t, rec.Body.String(), "The store did not answer")
	}
}
