package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadbridge/leadbridge/partnero/partnerotest"
)

// TestCaptureFirstToDeliveredLead is issue 14's path with the real binary,
// as a new user takes it with a Typeform form whose refs are generated ids:
// a source without lead: captures the first submission (sent with `send`,
// signed as Typeform signs), `init` drafts the source from it, the draft
// replaces the capture source unedited, and `replay --status captured`
// queues the lead, which the running server delivers to the Partnero
// double. No YAML is typed. It logs the machine time of the whole path.
func TestCaptureFirstToDeliveredLead(t *testing.T) {
	t.Parallel() // a process of its own; waits more than it computes
	bin := binary(t)
	fake := partnerotest.New()
	t.Cleanup(fake.Close)
	dir := t.TempDir()
	mfile := filepath.Join(dir, "mappings.yaml")
	capture := "sources:\n  typeform-demo:\n    provider: typeform\n    secret: ${TYPEFORM_SECRET}\n"
	if err := os.WriteFile(mfile, []byte(capture), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "leadbridge.db")
	partnero := []string{"PARTNERO_API_KEY=" + partnerotest.DefaultAPIKey, "PARTNERO_BASE_URL=" + fake.URL()}
	srv := start(t, serverSpec{bin: bin, db: db, mappings: mfile, logPath: filepath.Join(dir, "serve.log"),
		env: append([]string{"TYPEFORM_SECRET=e2e-secret"}, partnero...)})

	run := func(env []string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = childEnv(env)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("leadbridge %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
		}
		return string(out)
	}
	began := time.Now()
	out := run([]string{"TYPEFORM_SECRET=e2e-secret"}, "send", "--addr", srv.addr, "--mappings", mfile, "--source", "typeform-demo",
		"../mappings/testdata/typeform-uuid-refs.json")
	m := regexp.MustCompile(`^202 Accepted\n\{"status":"captured","id":(\d+)\}\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("send: %q", out)
	}
	// init and replay run without the source's secret, as on a laptop.
	draft := run(nil, "init", "--event", m[1], "--db", db, "--mappings", mfile)
	if err := os.WriteFile(mfile, []byte(draft), 0o600); err != nil {
		t.Fatal(err)
	}
	out = run(partnero, "replay", "--status", "captured", "--db", db, "--mappings", mfile)
	if out != "replayed 1 event: 1 lead queued for delivery\n" {
		t.Fatalf("replay: %q", out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(fake.Leads()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no lead reached Partnero within 30s\n%s", tail(filepath.Join(dir, "serve.log"), 20))
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(began)
	lead := fake.Leads()[0]
	body := string(lead.Body)
	for _, want := range []string{`"email":"alice.brown@example.com"`, `"name":"Alice Brown"`, `"partner":{"key":"ref_123"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("delivered lead %s lacks %s", body, want)
		}
	}
	t.Logf("captured → drafted → replayed → delivered to Partnero in %s (machine time; no YAML typed)", elapsed.Round(time.Millisecond))
}
