package console

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/bridge"
	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/partnero"
	"github.com/leadbridge/leadbridge/partnero/partnerotest"
	"github.com/leadbridge/leadbridge/store"
)

// The browser test drives the console in a real headless Chromium, as a
// person would: log in, open a failed event, select the email value and
// read its path, fix the mapping in the playground and watch the body
// change, replay the event once the mapping file is fixed, and see the
// lead reach the Partnero double. A screenshot of each page is saved.
//
// Environment:
//   - LEADBRIDGE_CHROMIUM: the browser binary (default: chromium,
//     chromium-browser, google-chrome or headless-shell on the PATH).
//   - LEADBRIDGE_REQUIRE_BROWSER=1: fail instead of skipping when there is
//     no browser (.ci/run sets it after installing Debian's chromium).
//   - LEADBRIDGE_SCREENSHOTS: the directory for the screenshots (default:
//     a temporary directory, removed after the test).

const browserMappings = `sources:
  typeform:
    provider: typeform
    secret: browser-test-secret
    dedupe: event_id
    lead:
      name: {template: '{{answers.first_name}} {{answers.last_name}}'}
      email: answers.emial
      partner: {key: form_response.hidden.ref}
  form:
    provider: generic
    token: browser-form-token
    lead: {name: name, email: email, partner: {key: ref}}
`

func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LEADBRIDGE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (install Debian's chromium package, or set LEADBRIDGE_CHROMIUM to a Chrome binary)"
	if os.Getenv("LEADBRIDGE_REQUIRE_BROWSER") != "" {
		t.Fatal(msg + "; LEADBRIDGE_REQUIRE_BROWSER is set, so the browser test may not be skipped")
	}
	t.Skip(msg)
	return ""
}

// stack is a running leadbridge with the console, on real listeners.
type stack struct {
	store   *store.Store
	srv     *bridge.Server
	fake    *partnerotest.Server
	mapFile string
	pubURL  string
	admURL  string
}

// serverRef lets the console read the server it is mounted on.
type serverRef struct{ srv *bridge.Server }

func (r *serverRef) Status() bridge.Status { return r.srv.Status() }
func (r *serverRef) Replay(ctx context.Context, ids []int64, force bool) (bridge.ReplayReport, error) {
	return r.srv.Replay(ctx, ids, force)
}

// stackOptions: the mapping file's text, the environment its ${VAR}s
// are read from, and whether the server watches the file (as serve does)
// instead of being reloaded by the test.
type stackOptions struct {
	mappings string
	env      map[string]string
	watch    bool
}

func startStack(t *testing.T, o stackOptions) *stack {
	t.Helper()
	s := &stack{fake: partnerotest.New()}
	t.Cleanup(s.fake.Close)
	dir := t.TempDir()
	s.mapFile = filepath.Join(dir, "mappings.yaml")
	require.NoError(t, os.WriteFile(s.mapFile, []byte(o.mappings), 0o600))
	env := func(k string) (string, bool) { v, ok := o.env[k]; return v, ok }
	load := func() (*mappings.Config, error) { return mappings.Loader{LookupEnv: env}.LoadPath(s.mapFile) }
	m, err := load()
	require.NoError(t, err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(context.Background(), store.Config{DSN: filepath.Join(dir, "lb.db"), Logger: log})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	s.store = st

	ref := &serverRef{}
	inForce := func() *mappings.Config { return ref.srv.Mappings() }
	console := New(Config{Token: mappings.NewSecret(testToken), PublicAddr: "127.0.0.1", LookupEnv: env},
		Deps{Store: st, Mappings: inForce, Status: ref, Replayer: ref, Logger: log, Draft: draftFrom(st, inForce)})
	cfg := bridge.Config{APIKey: mappings.NewSecret(partnerotest.DefaultAPIKey), BaseURL: s.fake.URL(), AdminToken: mappings.NewSecret(testToken),
		Workers: 2, Rate: 100, RetryMin: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond, MaxAge: time.Hour}
	client := partnero.New(partnero.Config{BaseURL: s.fake.URL(), Timeout: 5 * time.Second}, nil)
	deps := bridge.Deps{Store: st, Mappings: m, Load: load, Console: console, Partnero: client, Logger: log}
	if o.watch {
		deps.WatchPath, deps.WatchDebounce = s.mapFile, 50*time.Millisecond
	}
	s.srv, err = bridge.New(cfg, deps)
	require.NoError(t, err)
	ref.srv = s.srv

	pub, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	adm, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s.pubURL, s.admURL = "http://"+pub.Addr().String(), "http://"+adm.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.srv.Serve(ctx, pub, adm) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return s
}

// post sends a webhook to the public listener and returns the answer.
func (s *stack) post(t *testing.T, source string, body []byte, headers ...string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.pubURL+"/hooks/"+source, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	out["code"] = float64(resp.StatusCode)
	return out
}

func typeformSignature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// newBrowser starts headless Chromium with a fresh profile.
func newBrowser(t *testing.T, exe string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run its sandbox as root
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// Start the browser on the context itself (a timeout here would stop it).
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")))
	return ctx
}

// shoot saves a full-page screenshot as dir/name.png.
func shoot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

func screenshotDir(t *testing.T) string {
	dir := os.Getenv("LEADBRIDGE_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

func TestConsoleInABrowser(t *testing.T) {
	exe := chromiumPath(t)
	shots := screenshotDir(t)
	s := startStack(t, stackOptions{mappings: browserMappings})

	// A Typeform submission that the mapping (email: answers.emial) fails,
	// and a form lead that is delivered.
	payload := sample(t, "typeform.json")
	failed := s.post(t, "typeform", payload, "Typeform-Signature", typeformSignature("browser-test-secret", payload))
	require.Equal(t, float64(422), failed["code"], failed)
	eventURL := s.admURL + "/events/" + jsonNumber(failed["id"])
	ok := s.post(t, "form", []byte(`{"name":"Bo","email":"bo@example.com","ref":"ref_bo"}`), "X-Leadbridge-Token", "browser-form-token")
	require.Equal(t, float64(202), ok["code"], ok)
	require.Eventually(t, func() bool { return len(s.fake.Leads()) == 1 }, 30*time.Second, 20*time.Millisecond)

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
		return v
	}

	// Log in: the token goes in a form, never in a URL.
	run(chromedp.Navigate(s.admURL+"/"), chromedp.WaitVisible(chromedp.ID("token")))
	run(chromedp.SendKeys(chromedp.ID("token"), "wrong"), chromedp.Submit(chromedp.ID("token")), chromedp.WaitVisible(chromedp.ID("login-error")))
	require.Contains(t, text("#login-error"), "Wrong admin token")
	run(chromedp.SetValue(chromedp.ID("token"), testToken), chromedp.Submit(chromedp.ID("token")), chromedp.WaitVisible(chromedp.CSS(".windows")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	require.Equal(t, s.admURL+"/", loc)
	require.NotContains(t, loc, testToken)
	require.Contains(t, text(".warnings"), "1 lead failed mapping")
	shoot(t, ctx, shots, "overview")

	run(chromedp.Navigate(s.admURL+"/events"), chromedp.WaitVisible(chromedp.ID("events")))
	require.Contains(t, text("#events"), "answers.emial")
	shoot(t, ctx, shots, "events")

	// The event: select the email value; its path and view path show, and
	// the path is on the clipboard.
	run(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: "clipboard-read"}, Setting: browser.PermissionSettingGranted, Origin: s.admURL})
		return err
	}))
	run(chromedp.Navigate(eventURL), chromedp.WaitVisible(chromedp.ID("tree")),
		chromedp.Click(chromedp.CSS(`button.leaf[data-path="form_response.answers.2.email"]`)),
		chromedp.WaitVisible(chromedp.CSS("button.leaf.selected")))
	require.Equal(t, "form_response.answers.2.email", text("#sel-path"))
	require.Equal(t, "answers.email", text("#sel-view"))
	require.Equal(t, "Your work email?", text("#sel-title"))
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	copied, err := chromedp.Run(c, chromedp.Poll[string](`document.getElementById('sel-copied').textContent`))
	cancel()
	require.NoError(t, err)
	require.Equal(t, "copied: answers.email", copied)
	c, cancel = context.WithTimeout(ctx, 30*time.Second)
	clip, err := chromedp.Run(c, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	cancel()
	require.NoError(t, err)
	require.Equal(t, "answers.email", clip)
	shoot(t, ctx, shots, "event")

	// The playground: the mapping fails; fix the path and the body appears.
	run(chromedp.Click(chromedp.ID("open-playground")), chromedp.WaitVisible(chromedp.ID("try-output")))
	require.Contains(t, text("#try-output"), "lead: mapping failed")
	require.Contains(t, text("#try-output"), `(did you mean "email" ("Your work email?")?)`)
	yaml, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("yaml")))
	require.NoError(t, err)
	require.Contains(t, yaml, "answers.emial")
	fixed := strings.Replace(yaml, "answers.emial", "answers.email", 1)
	run(chromedp.SetValue(chromedp.ID("yaml"), strings.TrimRight(fixed, "\n")), chromedp.SendKeys(chromedp.ID("yaml"), "\n"),
		chromedp.Poll[chromedp.Void](`document.getElementById('try-output').textContent.includes('"email": "alice.brown@example.com"')`,
			chromedp.WithPollingTimeout(30*time.Second)))
	out := text("#try-output")
	require.Contains(t, out, "lead: mapped")
	require.Contains(t, out, `"name": "Alice Brown"`)
	require.Contains(t, text("#history-summary"), "1 of the 1 stored events would map differently from the mappings in force")
	shoot(t, ctx, shots, "playground")

	// Fix the mapping file as the playground showed, reload, replay from
	// the event page: the lead reaches Partnero.
	require.NoError(t, os.WriteFile(s.mapFile, []byte(strings.Replace(browserMappings, "answers.emial", "answers.email", 1)), 0o600))
	changed, err := s.srv.Reload()
	require.NoError(t, err)
	require.True(t, changed)
	run(chromedp.Navigate(eventURL), chromedp.WaitVisible(chromedp.ID("replay")),
		chromedp.Click(chromedp.CSS("#replay button")), chromedp.WaitVisible(chromedp.ID("replay-report")))
	require.Contains(t, text("#replay-report"), "1 queued")
	require.Eventually(t, func() bool { return len(s.fake.Leads()) == 2 }, 30*time.Second, 20*time.Millisecond)
	lead := s.fake.Leads()[1]
	require.Equal(t, "alice.brown@example.com", lead.Email)
	require.Equal(t, "Alice Brown", lead.Name)
	require.Equal(t, "ref_123", lead.Partner.Key)
	require.Eventually(t, func() bool {
		run(chromedp.Navigate(eventURL), chromedp.WaitVisible(chromedp.CSS("h1")))
		return strings.Contains(text("h1"), "delivered")
	}, 30*time.Second, 100*time.Millisecond)
	require.Contains(t, text("#lead-0"), "Partnero lead")
	shoot(t, ctx, shots, "event-delivered")

	run(chromedp.Navigate(s.admURL+"/sources"), chromedp.WaitVisible(chromedp.ID("source-typeform")))
	require.Contains(t, text("#source-typeform"), "Typeform-Signature")
	shoot(t, ctx, shots, "sources")

	// On a phone: no page scrolls sideways.
	run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	for _, p := range []string{"/", "/events", "/events/" + jsonNumber(failed["id"]), "/playground?event=" + jsonNumber(failed["id"]), "/sources"} {
		run(chromedp.Navigate(s.admURL+p), chromedp.WaitVisible(chromedp.CSS("main")))
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		wide, err := chromedp.Run(c, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
		cancel()
		require.NoError(t, err)
		require.False(t, wide, "%s scrolls sideways on a phone", p)
	}
	run(chromedp.Navigate(s.admURL + "/"))
	shoot(t, ctx, shots, "overview-phone")
	t.Logf("screenshots in %s", shots)
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
