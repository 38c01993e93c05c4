package e2e

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/leadbridge/leadbridge/store"
)

// TestCrashIntake is issue 4's crash test: leadbridge serve on SQLite takes
// webhooks from 32 concurrent senders and is SIGKILLed 1.5–3 s in. Every
// webhook answered 202 must be in the database file afterwards (product.md
// §5: "An event answered 202 is on disk before the answer"), the file must
// pass integrity_check, and the server must start and serve again on it.
func TestCrashIntake(t *testing.T) {
	t.Parallel() // a process of its own; waits more than it computes
	bin := binary(t)
	dir := t.TempDir()
	spec := serverSpec{
		bin:      bin,
		db:       filepath.Join(dir, "leadbridge.db"),
		mappings: writeMappings(t, dir),
		logPath:  filepath.Join(dir, "serve.log"),
		// No PARTNERO_API_KEY: dry-run, leads are recorded and never sent.
	}
	srv := start(t, spec)

	l := loadThenKill(t, srv, "intake", 32)

	// What is on disk, read directly from the file.
	db := openDB(t, spec.db)
	if res := integrityCheck(t, db); res != "ok" {
		t.Errorf("PRAGMA integrity_check after SIGKILL: %s", res)
	}
	keys := storedKeys(t, db, "load")
	var lost []string
	for _, id := range l.acked {
		if !keys[dedupeKey(id)] {
			lost = append(lost, id)
		}
	}
	ackedSet := make(map[string]bool, len(l.acked))
	for _, id := range l.acked {
		ackedSet[id] = true
	}
	unacked := 0
	for k := range keys {
		if !ackedSet[idOfKey(k)] {
			unacked++ // committed, but the answer was lost with the process: expected
		}
	}
	leads := count(t, db, `SELECT COUNT(*) FROM lb_leads WHERE source = 'load' AND status = ?`, store.StatusDryRun)
	db.Close()
	t.Logf("SIGKILL after %s: %d answers, %d acked (202), %d lost, %d stored without an answer; %d events, %d dry_run leads on disk",
		l.killedAfter.Round(time.Millisecond), l.answers(), len(l.acked), len(lost), unacked, len(keys), leads)
	if len(lost) > 0 {
		t.Errorf("%d webhooks answered 202 are not in the database, e.g. %q", len(lost), lost[:min(5, len(lost))])
	}
	if leads != len(keys) {
		t.Errorf("%d events but %d dry_run leads: every event of this source has exactly one lead", len(keys), leads)
	}

	// Through the store package too: the newest acked event reads back whole.
	st, err := store.Open(context.Background(), store.Config{DSN: spec.db})
	if err != nil {
		t.Fatalf("store.Open after the crash: %v", err)
	}
	last := l.acked[len(l.acked)-1]
	ev, err := st.GetEvent(context.Background(), l.eventID[last])
	if err != nil {
		t.Errorf("GetEvent(%d) for acked id %s: %v", l.eventID[last], last, err)
	} else if string(ev.Payload) != string(webhookBody(last)) || len(ev.LeadList) != 1 || ev.LeadList[0].DedupeKey != dedupeKey(last) {
		t.Errorf("event %d does not hold webhook %s: payload %d bytes, leads %+v", ev.ID, last, len(ev.Payload), ev.LeadList)
	}
	if err := st.Close(context.Background()); err != nil {
		t.Errorf("store.Close: %v", err)
	}

	// The server starts again on the same file and serves: a new webhook is
	// accepted, an acked one is a duplicate (dedupe survived the crash).
	srv = start(t, spec)
	client := &http.Client{Timeout: 10 * time.Second}
	l2 := newLoad()
	if !l2.post(context.Background(), client, srv.hookURL(), "after-restart") || len(l2.acked) != 1 {
		t.Errorf("a new webhook after the restart: statuses %v, errors %d (%s)", l2.statuses, l2.errs, l2.firstErr)
	}
	l3 := newLoad()
	l3.post(context.Background(), client, srv.hookURL(), l.acked[0])
	if l3.statuses[http.StatusOK] != 1 {
		t.Errorf("an acked webhook sent again after the restart: statuses %v, want one 200 duplicate", l3.statuses)
	}
	if code := srv.stop(); code != 0 {
		t.Errorf("SIGTERM after the restart: exit code %d, want 0", code)
	}
}
