package console

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/bridge"
	"github.com/leadbridge/leadbridge/providers"
)

// The capture-first path in a real browser (issue 14): a Typeform source
// without lead rules captures two submissions of a form whose field refs
// are UUIDs; the user finds them in the console, drafts a source from
// one, sees what it would send, puts the draft in the mapping file (the
// test writes it, as the user would: the console writes no file), waits
// for the server to reload it, replays the captured events from the
// console and sees the leads reach the Partnero double.

// captureMappings is a capture source: provider and secret, no lead:.
const captureMappings = `sources:
  typeform-demo:
    provider: typeform
    secret: ${TYPEFORM_SECRET}
`

const (
	captureSecret = "browser-capture-secret"
	emailRef      = "0c1f7f0e-5a5e-4d8f-9b1e-2f3a4b5c6d03" // "Your work email?"
)

// uuidSubmission is the UUID-refs fixture as another respondent sends it.
func uuidSubmission(t *testing.T, eventID, email, ref string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "mappings", "testdata", "typeform-uuid-refs.json"))
	require.NoError(t, err)
	s := strings.Replace(string(b), "01JH7Q2M4B8K3N6P9R1T5V7UUID", eventID, 1)
	s = strings.Replace(s, "alice.brown@example.com", email, 1)
	return []byte(strings.Replace(s, `"ref": "ref_123"`, `"ref": "`+ref+`"`, 1))
}

// postSigned posts a webhook signed as the provider would, with the
// source's configuration in force (providers.Sign, as leadbridge send).
func (s *stack) postSigned(t *testing.T, source string, body []byte) map[string]any {
	t.Helper()
	hdr, err := providers.Sign(bridge.ProviderConfig(s.srv.Mappings().Sources[source]), body, time.Now())
	require.NoError(t, err)
	var kv []string
	for k := range hdr {
		kv = append(kv, k, hdr.Get(k))
	}
	return s.post(t, source, body, kv...)
}

func TestCaptureFirstInABrowser(t *testing.T) {
	exe := chromiumPath(t)
	shots := screenshotDir(t)
	s := startStack(t, stackOptions{mappings: captureMappings, env: map[string]string{"TYPEFORM_SECRET": captureSecret}, watch: true})

	// Two submissions arrive before there are lead rules: captured.
	first := s.postSigned(t, "typeform-demo", uuidSubmission(t, "01JH7Q2M4B8K3N6P9R1T5VAAAA", "alice.brown@example.com", "ref_123"))
	require.Equal(t, map[string]any{"code": float64(202), "status": "captured", "id": float64(1)}, first)
	second := s.postSigned(t, "typeform-demo", uuidSubmission(t, "01JH7Q2M4B8K3N6P9R1T5VBBBB", "bo.chen@example.com", "ref_456"))
	require.Equal(t, "captured", second["status"], second)
	eventURL := s.admURL + "/events/1"

	ctx := newBrowser(t, exe)
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		require.NoError(t, chromedp.Do(c, steps...))
	}
	text := func(sel string) string {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		v, err := chromedp.Run(c, chromedp.TextContent(chromedp.CSS(sel)))
		require.NoError(t, err, sel)
		return strings.Join(strings.Fields(v), " ")
	}
	exists := func(sel string) bool {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		ok, err := chromedp.Run(c, chromedp.Evaluate[bool](`document.querySelector(`+jsonNumber(sel)+`) !== null`))
		require.NoError(t, err)
		return ok
	}
	run(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: "clipboard-read"}, Setting: browser.PermissionSettingGranted, Origin: s.admURL})
		return err
	}))
	run(chromedp.Navigate(s.admURL+"/"), chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SetValue(chromedp.ID("token"), testToken), chromedp.Submit(chromedp.ID("token")), chromedp.WaitVisible(chromedp.CSS(".windows")))

	// The overview counts them as their own outcome and says what to do.
	require.Contains(t, text("#todos"), "Source typeform-demo captures (it has no lead rules): 2 webhooks wait for them.")
	require.Regexp(t, `Webhooks by outcome 2 captured ?2 Leads by status 0`, text(".window"))
	shoot(t, ctx, shots, "capture-overview")

	// The sources page: capturing, the URL to paste and its auth.
	run(chromedp.Navigate(s.admURL+"/sources"), chromedp.WaitVisible(chromedp.ID("source-typeform-demo")))
	require.Contains(t, text("#source-typeform-demo h2"), "capture only")
	require.Contains(t, text("#capture-typeform-demo"), "Capturing: it has no lead rules")
	require.Equal(t, "https://YOUR-PUBLIC-HOST/hooks/typeform-demo", text("#url-typeform-demo"))
	require.Contains(t, text("#source-typeform-demo"), "signature: Typeform-Signature")
	shoot(t, ctx, shots, "capture-sources")

	run(chromedp.Navigate(s.admURL+"/events?status=captured"), chromedp.WaitVisible(chromedp.ID("events")))
	require.Equal(t, 2, strings.Count(text("#events tbody"), "typeform-demo captured"))
	require.Contains(t, text("#captured-hint"), "Captured events wait for their source's lead rules")
	shoot(t, ctx, shots, "capture-events")

	// The captured event: the email's view path is its UUID ref, named by
	// the question's title.
	run(chromedp.Navigate(eventURL), chromedp.WaitVisible(chromedp.ID("tree")),
		chromedp.Click(chromedp.CSS(`button.leaf[data-path="form_response.answers.2.email"]`)),
		chromedp.WaitVisible(chromedp.CSS("button.leaf.selected")))
	require.Equal(t, "answers."+emailRef, text("#sel-view"))
	require.Equal(t, "Your work email?", text("#sel-title"))
	require.Contains(t, text("#captured-box"), "typeform-demo has no lead rules, so nothing was sent")
	shoot(t, ctx, shots, "capture-event")

	// On a phone, no capture page scrolls sideways.
	run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	for _, p := range []string{"/", "/sources", "/events?status=captured", "/events/1", "/playground?source=typeform-demo"} {
		run(chromedp.Navigate(s.admURL+p), chromedp.WaitVisible(chromedp.CSS("main")))
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		wide, err := chromedp.Run(c, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
		cancel()
		require.NoError(t, err)
		require.False(t, wide, "%s scrolls sideways on a phone", p)
	}
	shoot(t, ctx, shots, "capture-playground-phone")
	run(chromedp.EmulateViewport(1280, 900))

	// Draft a source: the playground shows the draft, what it sends, and
	// the steps to take it to the mapping file.
	run(chromedp.Navigate(eventURL), chromedp.WaitVisible(chromedp.ID("draft")),
		chromedp.Click(chromedp.CSS("#draft button")), chromedp.WaitVisible(chromedp.ID("capture-steps")))
	yaml, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("yaml")))
	require.NoError(t, err)
	require.Contains(t, yaml, "secret: ${TYPEFORM_SECRET}")
	require.Contains(t, yaml, "email: answers."+emailRef+` # "Your work email?"`)
	out := text("#try-output")
	require.Contains(t, out, "lead: mapped")
	require.Contains(t, out, `"email": "alice.brown@example.com"`)
	require.Contains(t, out, `"partner": { "key": "ref_123" }`)
	require.Contains(t, out, `"name": "Alice Brown"`)
	steps := text("#capture-steps")
	require.Contains(t, steps, "Drafted from event 1")
	require.Contains(t, steps, "Put the YAML in your mapping file "+s.mapFile+", in place of the source typeform-demo defined at line 2")
	require.Contains(t, steps, "The console never writes mapping files.")
	require.Contains(t, steps, "Replay the captured events: the button is here once typeform-demo maps leads")
	require.False(t, exists("#replay-captured"), "no replay while the source captures")
	require.Contains(t, text("#history-summary"), "2 of the 2 stored events would map differently from today: in the mappings in force typeform-demo has no lead rules")
	shoot(t, ctx, shots, "capture-drafted")

	// Copy the YAML as drafted, and put it in the mapping file in place of
	// the capture source (the file held nothing else).
	run(chromedp.Click(chromedp.ID("copy-yaml")))
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	clip, err := chromedp.Run(c, chromedp.Poll[string](`navigator.clipboard.readText()`, chromedp.WithPollingTimeout(20*time.Second)))
	cancel()
	require.NoError(t, err)
	require.Equal(t, yaml, clip)
	require.NoError(t, os.WriteFile(s.mapFile, []byte(clip), 0o600))

	// The server reloads the file by itself; reload the page until the
	// replay button is there.
	reload, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("capture-reload"), "href"))
	require.NoError(t, err)
	require.Equal(t, "/playground?event=1&source=typeform-demo", reload.Value)
	require.Eventually(t, func() bool {
		run(chromedp.Navigate(s.admURL+reload.Value), chromedp.WaitVisible(chromedp.ID("capture")))
		return exists("#replay-captured")
	}, 30*time.Second, 200*time.Millisecond)
	require.Contains(t, text("#capture"), "typeform-demo maps leads now")
	require.Contains(t, text("#replay-captured"), "Replay the 2 captured events of typeform-demo")
	require.Contains(t, text("#try-output"), `"email": "alice.brown@example.com"`, "the YAML now comes from the file")
	shoot(t, ctx, shots, "capture-ready")

	run(chromedp.Click(chromedp.CSS("#replay-captured button")), chromedp.WaitVisible(chromedp.ID("replay-report")))
	require.Contains(t, text("#replay-report"), "Replayed 2 events with status captured of typeform-demo")
	require.Contains(t, text("#replay-report"), "2 queued")
	require.Eventually(t, func() bool { return len(s.fake.Leads()) == 2 }, 30*time.Second, 20*time.Millisecond)
	got := map[string]string{}
	for _, l := range s.fake.Leads() {
		got[l.Email] = l.Partner.Key
		require.Equal(t, "Alice Brown", l.Name, "both submissions share the fixture's name")
	}
	require.Equal(t, map[string]string{"alice.brown@example.com": "ref_123", "bo.chen@example.com": "ref_456"}, got)
	shoot(t, ctx, shots, "capture-replayed")
	run(chromedp.Click(chromedp.ID("replay-next")), chromedp.WaitVisible(chromedp.ID("events")))
	require.NotContains(t, text("#events tbody"), "captured", "none is left captured")
	require.Equal(t, 2, strings.Count(text("#events tbody"), "typeform-demo"))

	require.Eventually(t, func() bool {
		run(chromedp.Navigate(eventURL), chromedp.WaitVisible(chromedp.CSS("h1")))
		return strings.Contains(text("h1"), "delivered")
	}, 30*time.Second, 100*time.Millisecond)
	require.Contains(t, text("#lead-0"), "Partnero lead")
	require.False(t, exists("#captured-box"))
	shoot(t, ctx, shots, "capture-delivered")

	run(chromedp.Navigate(s.admURL+"/"), chromedp.WaitVisible(chromedp.CSS(".windows")))
	require.False(t, exists("#todos"), "nothing captured is left waiting")
	t.Logf("screenshots in %s", shots)
}
