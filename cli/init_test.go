package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/store"
)

const captureMapping = `sources:
  typeform-demo:
    provider: typeform
    secret: ${TYPEFORM_SECRET}
  other:
    provider: tally
    secret: ${TALLY_SIGNING_SECRET}
`

// TestCaptureFirstCLI walks the capture-first path through the commands,
// with the sources' secrets unset as on a laptop: a captured event is
// listed, replayed while the source has no rules (still captured, no
// error), drafted with init, checked, and replayed into a lead.
func TestCaptureFirstCLI(t *testing.T) {
	dir := t.TempDir()
	db, mfile := filepath.Join(dir, "lb.db"), filepath.Join(dir, "m.yaml")
	require.NoError(t, os.WriteFile(mfile, []byte(captureMapping), 0o600))
	payload, err := os.ReadFile("../mappings/testdata/typeform-uuid-refs.json")
	require.NoError(t, err)
	st, err := store.Open(context.Background(), store.Config{DSN: db})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	res, err := st.Ingest(context.Background(), &store.Intake{Source: "typeform-demo", ContentType: "application/json", Payload: payload, EventKey: "k:e1", Captured: true})
	require.NoError(t, err)
	id := fmt.Sprint(res.EventID)
	noSecrets := map[string]string{}

	r := run(t, noSecrets, "", "events", "--db", db, "--status", "captured")
	require.Equal(t, 0, r.code, r.err)
	require.Regexp(t, `(?m)^`+id+`\s+\S+ \S+\s+typeform-demo\s+captured\s+0\s+0\s*$`, r.out)

	r = run(t, noSecrets, "", "try", "--mappings", mfile, "--source", "typeform-demo", "../mappings/testdata/typeform-uuid-refs.json")
	require.Equal(t, 0, r.code, r.err)
	require.Contains(t, r.err, "lead: captured: the source has no lead: rules")
	require.Empty(t, r.out)

	r = run(t, noSecrets, "", "replay", "--db", db, "--mappings", mfile, "--status", "captured")
	require.Equal(t, 0, r.code, "no lead: rules yet is no failure\n%s%s", r.out, r.err)
	require.Contains(t, r.out, "replayed 1 event: 0 leads queued for delivery, 1 still captured (no lead: rules yet in typeform-demo")

	r = run(t, noSecrets, "", "init", "--event", id, "--db", db, "--mappings", mfile)
	require.Equal(t, 0, r.code, r.err)
	require.True(t, strings.HasPrefix(r.out, "# Drafted by leadbridge init"), r.out)
	require.Contains(t, r.out, "    secret: ${TYPEFORM_SECRET}\n")
	require.Contains(t, r.err, `drafted source "typeform-demo" from event `+id+" (captured)")
	require.Contains(t, r.err, "answers.0c1f7f0e-5a5e-4d8f-9b1e-2f3a4b5c6d03")

	// Put the draft in place of the capture source: check accepts it as
	// printed (with its variables set) and still reports them unset.
	drafted := strings.Replace(captureMapping, "  typeform-demo:\n    provider: typeform\n    secret: ${TYPEFORM_SECRET}\n", "", 1) +
		strings.SplitN(r.out, "sources:\n", 2)[1]
	require.NoError(t, os.WriteFile(mfile, []byte(drafted), 0o600))
	r = run(t, map[string]string{"TYPEFORM_SECRET": "s", "TALLY_SIGNING_SECRET": "s"}, "", "check", "--mappings", mfile)
	require.Equal(t, 0, r.code, "%s\n%s", drafted, r.err)
	r = run(t, noSecrets, "", "check", "--mappings", mfile)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.err, "environment variable TYPEFORM_SECRET is not set")

	r = run(t, map[string]string{"PARTNERO_API_KEY": "k"}, "", "replay", "--db", db, "--mappings", mfile, "--status", "captured")
	require.Equal(t, 0, r.code, r.out+r.err)
	require.Equal(t, "replayed 1 event: 1 lead queued for delivery\n", r.out)
	ev, err := st.GetEvent(context.Background(), res.EventID)
	require.NoError(t, err)
	require.Equal(t, store.StatusQueued, ev.Status, "the event takes the status of its new lead")
	require.Len(t, ev.LeadList, 1)
	require.Contains(t, string(ev.LeadList[0].Body), `"email":"alice.brown@example.com"`)
	require.Contains(t, string(ev.LeadList[0].Body), `"partner":{"key":"ref_123"}`)
}

func TestInitErrors(t *testing.T) {
	dir := t.TempDir()
	db, mfile := filepath.Join(dir, "lb.db"), filepath.Join(dir, "m.yaml")
	require.NoError(t, os.WriteFile(mfile, []byte(captureMapping), 0o600))
	st, err := store.Open(context.Background(), store.Config{DSN: db})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	res, err := st.Ingest(context.Background(), &store.Intake{Source: "gone", ContentType: "application/json",
		Payload: []byte(`{"email":"a@b.co","name":"A B","via":"p1"}`), EventKey: "k:1", Captured: true})
	require.NoError(t, err)
	id := fmt.Sprint(res.EventID)

	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"init", "--db", db, "--mappings", mfile}, 2, `--event must be a positive event id, got ""`},
		{[]string{"init", "--event", "x", "--db", db}, 2, "--event must be a positive event id"},
		{[]string{"init", "--event", "1", "extra", "--db", db}, 2, `unexpected argument "extra"`},
		{[]string{"init", "--event", "999", "--db", db, "--mappings", mfile}, 1, "no event 999"},
		{[]string{"init", "--event", id, "--name", "no spaces", "--db", db, "--mappings", mfile}, 2, "--name: draft: invalid source name"},
		{[]string{"init", "--event", id, "--db", db, "--mappings", filepath.Join(dir, "none.yaml")}, 1, "no such file"},
	} {
		r := run(t, nil, "", tc.args...)
		require.Equal(t, tc.code, r.code, "%v\n%s", tc.args, r.err)
		require.Contains(t, r.err, tc.err, tc.args)
		require.Empty(t, r.out)
	}

	// A source that is gone: drafted with the provider's usual auth.
	r := run(t, nil, "", "init", "--event", id, "--name", "web-form", "--db", db, "--mappings", mfile)
	require.Equal(t, 0, r.code, r.err)
	require.Contains(t, r.out, "  web-form:\n    provider: generic\n    token: ${WEB_FORM_TOKEN}")
	require.Contains(t, r.out, "        key: via")
	require.Contains(t, r.err, `source "gone" is not in the mappings`)
	require.Regexp(t, regexp.MustCompile(`point the provider at /hooks/web-form`), r.err)
}
