package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/store"
)

const opsMappings = `sources:
  form:
    provider: generic
    token: t
    dedupe: id
    lead: {name: name, email: %s, partner: {key: ref}}
`

type opsBundle struct {
	dir, db, mappings string
	st                *store.Store
}

func opsSetup(t *testing.T) *opsBundle {
	t.Helper()
	b := &opsBundle{dir: t.TempDir()}
	b.db = filepath.Join(b.dir, "lb.db")
	b.mappings = filepath.Join(b.dir, "m.yaml")
	require.NoError(t, os.WriteFile(b.mappings, []byte(fmt.Sprintf(opsMappings, "mail")), 0o600))
	st, err := store.Open(context.Background(), store.Config{DSN: b.db})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	b.st = st
	return b
}

func (b *opsBundle) ingest(t *testing.T, key, status string, payload string) int64 {
	t.Helper()
	r, err := b.st.Ingest(context.Background(), &store.Intake{Source: "form", ContentType: "application/json", Payload: []byte(payload),
		EventKey: key, Leads: []store.NewLead{{DedupeKey: key, Status: status, Body: []byte(`{"name":"A"}`), Reason: reasonFor(status)}}})
	require.NoError(t, err)
	return r.EventID
}

func reasonFor(status string) string {
	switch status {
	case store.StatusFailed:
		return `[{"field":"email","message":"no value: path \"mail\" yielded nothing"}]`
	case store.StatusIgnored:
		return "no partner"
	}
	return ""
}

// TestEventsListShowsIgnoredReason: an ignored event says why in the list.
func TestEventsListShowsIgnoredReason(t *testing.T) {
	b := opsSetup(t)
	id := b.ingest(t, "k:i", store.StatusIgnored, `{}`)
	r := run(t, nil, "", "events", "--db", b.db)
	require.Equal(t, 0, r.code, r.err)
	require.Regexp(t, fmt.Sprintf(`(?m)^%d\s+\S+ \S+\s+form\s+ignored\s+1\s+0\s+no partner$`, id), r.out)
}

func TestEventsCommand(t *testing.T) {
	b := opsSetup(t)
	id1 := b.ingest(t, "k:1", store.StatusQueued, `{"id":"1","name":"A","email":"a@x.io","ref":"r"}`)
	id2 := b.ingest(t, "k:2", store.StatusFailed, `{"id":"2","name":"B"}`)

	r := run(t, nil, "", "events", "--db", b.db)
	require.Equal(t, 0, r.code, r.err)
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	require.Len(t, lines, 3)
	require.Regexp(t, `^ID\s+RECEIVED \(UTC\)\s+SOURCE\s+STATUS\s+LEADS\s+ATTEMPTS\s+LAST ERROR$`, lines[0])
	require.Regexp(t, fmt.Sprintf(`^%d\s+\S+ \S+\s+form\s+failed\s+1\s+0\s+\[\{"field":"email"`, id2), lines[1], "newest first")
	require.Regexp(t, fmt.Sprintf(`^%d\s+\S+ \S+\s+form\s+queued\s+1\s+0\s*$`, id1), lines[2])

	r = run(t, nil, "", "events", "--db", b.db, "--status", "failed", "--json")
	require.Equal(t, 0, r.code)
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.out), &list))
	require.Len(t, list, 1)
	require.Equal(t, float64(id2), list[0]["id"])

	r = run(t, nil, "", "events", fmt.Sprint(id1), "--db", b.db)
	require.Equal(t, 0, r.code, r.err)
	require.Contains(t, r.out, fmt.Sprintf("event %d  source form  status queued", id1))
	require.Contains(t, r.out, "payload:\n  {\n    \"id\": \"1\",")
	require.Contains(t, r.out, "request body:")

	r = run(t, nil, "", "events", fmt.Sprint(id1), "--db", b.db, "--json")
	var ev map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.out), &ev))
	require.Equal(t, "a@x.io", ev["payload"].(map[string]any)["email"])
	require.Len(t, ev["leads"], 1)

	require.Equal(t, 1, run(t, nil, "", "events", "999", "--db", b.db).code)
	require.Equal(t, 2, run(t, nil, "", "events", "x", "--db", b.db).code)
	require.Equal(t, 2, run(t, nil, "", "events", "--db", b.db, "--limit", "0").code)
}

func TestReplayCommand(t *testing.T) {
	b := opsSetup(t)
	id := b.ingest(t, "k:2", store.StatusFailed, `{"id":"2","name":"B","email":"b@x.io","ref":"r"}`)
	env := map[string]string{"PARTNERO_API_KEY": "k"}

	// With the broken mapping it still fails, and says why: exit 1.
	r := run(t, env, "", "replay", "--db", b.db, "--mappings", b.mappings, fmt.Sprint(id))
	require.Equal(t, 1, r.code, r.err)
	require.Contains(t, r.out, "replayed 1 event: 0 leads queued for delivery, 1 still failing")
	require.Contains(t, r.out, fmt.Sprintf(`event %d: email: no value: path "mail" yielded nothing`, id))

	// Fixed: queued.
	require.NoError(t, os.WriteFile(b.mappings, []byte(fmt.Sprintf(opsMappings, "email")), 0o600))
	r = run(t, env, "", "replay", "--db", b.db, "--mappings", b.mappings, "--status", "failed", "--source", "form")
	require.Equal(t, 0, r.code, r.out+r.err)
	require.Equal(t, "replayed 1 event: 1 lead queued for delivery\n", r.out)
	ev, err := b.st.GetEvent(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, store.StatusQueued, ev.Status)
	require.JSONEq(t, `{"name":"B","email":"b@x.io","partner":{"key":"r"}}`, string(ev.LeadList[0].Body))

	// Without a key in this shell it is still queued: the server, not the
	// shell, knows whether it has one (a server in dry-run records it as
	// dry_run when it takes it).
	r = run(t, nil, "", "replay", "--db", b.db, "--mappings", b.mappings, "--force", fmt.Sprint(id))
	require.Equal(t, 0, r.code, r.out+r.err)
	require.Contains(t, r.out, "replayed 1 event: 1 lead queued for delivery")
	require.NotContains(t, r.out, "dry_run")

	for _, args := range [][]string{
		{"replay", "--db", b.db, "--mappings", b.mappings},
		{"replay", "--db", b.db, "--mappings", b.mappings, "--status", "queued"},
		{"replay", "--db", b.db, "--mappings", b.mappings, "--status", "failed", "1"},
		{"replay", "--db", b.db, "--mappings", b.mappings, "--source", "form", "1"},
		{"replay", "--db", b.db, "--mappings", b.mappings, "x"},
	} {
		require.Equal(t, 2, run(t, env, "", args...).code, args)
	}
	r = run(t, env, "", "replay", "--db", b.db, "--mappings", b.mappings, "999")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.out, "event 999: not found")
}

func TestPruneCommand(t *testing.T) {
	b := opsSetup(t)
	b.ingest(t, "k:ign", store.StatusIgnored, `{}`)
	b.ingest(t, "k:fail", store.StatusFailed, `{}`)
	b.ingest(t, "k:q", store.StatusQueued, `{}`)
	r := run(t, nil, "", "prune", "--db", b.db)
	require.Equal(t, 0, r.code, r.err)
	require.Contains(t, r.out, "pruned 0 delivered and ignored events", "nothing is older than the 720h retention")
	r = run(t, nil, "", "prune", "--db", b.db, "--older-than", "0s")
	require.Contains(t, r.out, "pruned 1 delivered and ignored event ")
	r = run(t, nil, "", "prune", "--db", b.db, "--older-than", "0s", "--include-failed")
	require.Contains(t, r.out, "pruned 1 delivered, ignored, dead, failed and dry_run event ")
	list, err := b.st.ListEvents(context.Background(), store.Filter{})
	require.NoError(t, err)
	require.Len(t, list, 1, "queued events are never pruned")
	require.Equal(t, 2, run(t, nil, "", "prune", "--db", b.db, "--older-than", "soon").code)
}

// TestBackupUnderLoad backs up while another connection keeps writing;
// the copy opens as a store that `events` reads.
func TestBackupUnderLoad(t *testing.T) {
	b := opsSetup(t)
	for i := 0; i < 50; i++ {
		b.ingest(t, fmt.Sprintf("k:pre%d", i), store.StatusQueued, `{"n":1}`)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var written atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			_, err := b.st.Ingest(context.Background(), &store.Intake{Source: "form", Payload: []byte(`{}`), EventKey: fmt.Sprintf("k:load%d", i),
				Leads: []store.NewLead{{DedupeKey: fmt.Sprintf("k:load%d", i), Status: store.StatusQueued, Body: []byte(`{}`)}}})
			if err == nil {
				written.Add(1)
			}
		}
	}()
	time.Sleep(100 * time.Millisecond)
	backup := filepath.Join(b.dir, "backup.db")
	r := run(t, nil, "", "backup", "--db", b.db, backup)
	stop.Store(true)
	wg.Wait()
	require.Equal(t, 0, r.code, r.err)
	require.Contains(t, r.out, "backed up "+b.db+" to "+backup)
	require.Greater(t, written.Load(), int64(0), "the load ran during the backup")

	r = run(t, nil, "", "events", "--db", backup, "--limit", "100000", "--json")
	require.Equal(t, 0, r.code, r.err)
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.out), &list))
	require.GreaterOrEqual(t, len(list), 50)
	require.LessOrEqual(t, len(list), 50+int(written.Load()))

	r = run(t, nil, "", "backup", "--db", b.db, backup)
	require.Equal(t, 1, r.code, "an existing file is not overwritten")
	require.Equal(t, 2, run(t, nil, "", "backup", "--db", b.db).code)
}

// TestCommandsRunWithoutSecrets: try and replay check no signature, so
// they run with the sources' secret variables unset (check still says).
func TestCommandsRunWithoutSecrets(t *testing.T) {
	b := opsSetup(t)
	y := strings.Replace(fmt.Sprintf(opsMappings, "email"), "token: t", "token: ${FORM_TOKEN}", 1)
	require.NoError(t, os.WriteFile(b.mappings, []byte(y), 0o600))
	payload := filepath.Join(b.dir, "p.json")
	require.NoError(t, os.WriteFile(payload, []byte(`{"id":"3","name":"C","email":"c@x.io","ref":"r"}`), 0o600))
	env := map[string]string{"LEADBRIDGE_MAPPINGS": b.mappings, "LEADBRIDGE_DB": b.db}

	r := run(t, env, "", "try", "--source", "form", payload)
	require.Equal(t, 0, r.code, r.err)
	require.Contains(t, r.out, `"email": "c@x.io"`)

	id := b.ingest(t, "k:3", store.StatusFailed, `{"id":"3","name":"C","email":"c@x.io","ref":"r"}`)
	r = run(t, env, "", "replay", fmt.Sprint(id))
	require.Equal(t, 0, r.code, r.out+r.err)
	require.Contains(t, r.out, "replayed 1 event")

	r = run(t, env, "", "check")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.err, "environment variable FORM_TOKEN is not set")
}
