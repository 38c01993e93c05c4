package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/leadbridge/leadbridge/partnero/partnerotest"
	"github.com/leadbridge/leadbridge/store"
)

// deliveryWorkers is --workers in the delivery crash test: at most this
// many leads are in flight to Partnero when the process dies, which bounds
// the duplicates at-least-once delivery may produce (product.md §5).
const deliveryWorkers = 16

// rescueAfter is LEADBRIDGE_RESCUE_AFTER, the lease of a claimed lead:
// how long after the crash the deliveries that were in flight are tried
// again. The default (2 min) is right for production and too slow for a
// test; 10s is the least --rescue-after accepts.
const rescueAfter = 10 * time.Second

// TestCrashDelivery is issue 5's crash test: leadbridge serve delivers to a
// fake Partnero (30 ms per request) while 32 senders post webhooks, and is
// SIGKILLed 1.5–3 s in. After a restart every lead answered 202 must reach
// Partnero, every stored lead must end delivered, and leads sent twice (the
// at-least-once window between Partnero's answer and recording it) must be
// no more than the deliveries that were in flight.
func TestCrashDelivery(t *testing.T) {
	t.Parallel() // a process of its own; waits more than it computes
	bin := binary(t)
	fake := partnerotest.New()
	t.Cleanup(fake.Close)
	fake.SetLatency(30 * time.Millisecond)

	dir := t.TempDir()
	spec := serverSpec{
		bin:      bin,
		db:       filepath.Join(dir, "leadbridge.db"),
		mappings: writeMappings(t, dir),
		logPath:  filepath.Join(dir, "serve.log"),
		env: []string{
			"PARTNERO_API_KEY=" + partnerotest.DefaultAPIKey,
			"PARTNERO_BASE_URL=" + fake.URL(),
			"LEADBRIDGE_RESCUE_AFTER=" + rescueAfter.String(),
		},
		args: []string{"--workers", fmt.Sprint(deliveryWorkers), "--rate", "2000"},
	}
	srv := start(t, spec)

	l := loadThenKill(t, srv, "delivery", 32)
	atKill := len(fake.Leads())

	db := openDB(t, spec.db)
	if res := integrityCheck(t, db); res != "ok" {
		t.Errorf("PRAGMA integrity_check after SIGKILL: %s", res)
	}
	stored := count(t, db, `SELECT COUNT(*) FROM lb_leads WHERE source = 'load'`)
	pendingAtKill := count(t, db, `SELECT COUNT(*) FROM lb_leads WHERE status <> ?`, store.StatusDelivered)
	// Claimed and not recorded: leased until their lease runs out.
	runningAtKill := count(t, db, `SELECT COUNT(*) FROM lb_leads WHERE status IN ('queued', 'retrying') AND claim > 0`)
	inFlight := unrecordedDeliveries(t, spec.logPath, db) + deliveryWorkers
	db.Close()
	t.Logf("SIGKILL after %s: %d acked (202), %d leads stored, %d delivered before the kill, %d waiting, %d of them claimed (leased)",
		l.killedAfter.Round(time.Millisecond), len(l.acked), stored, atKill, pendingAtKill, runningAtKill)

	restarted := time.Now()
	srv = start(t, spec)
	missing, pending := waitDelivered(t, fake, spec.db, l.acked, 120*time.Second)
	took := time.Since(restarted)
	if code := srv.stop(); code != 0 {
		t.Errorf("SIGTERM after the restart: exit code %d, want 0", code)
	}

	received := fake.Leads()
	times := map[string]int{}
	for _, r := range received {
		times[r.Email]++
	}
	dups := 0
	for _, n := range times {
		dups += n - 1
	}
	t.Logf("after the restart, %s until done: %d acked, %d lost, %d stored leads not delivered; Partnero got %d leads for %d distinct emails (%d duplicates; in flight at the kill at most %d: %d answered and not recorded + %d workers sending), %d POST /leads",
		took.Round(100*time.Millisecond), len(l.acked), len(missing), pending, len(received), len(times), dups, inFlight, inFlight-deliveryWorkers, deliveryWorkers, fake.Attempts())
	if len(missing) > 0 {
		t.Errorf("%d leads answered 202 never reached Partnero, e.g. %q", len(missing), missing[:min(5, len(missing))])
	}
	if pending > 0 {
		t.Errorf("%d stored leads are not delivered", pending)
	}
	if dups > inFlight {
		t.Errorf("%d leads were delivered more than once: more than the %d deliveries in flight at the crash", dups, inFlight)
	}
	if len(times) != stored {
		t.Errorf("Partnero got %d distinct leads, the store holds %d", len(times), stored)
	}
}

// waitDelivered waits until the fake has every acked lead and the store
// holds no lead that is not delivered. It returns the acked ids still
// missing and the number of undelivered leads when the time is up.
func waitDelivered(t *testing.T, fake *partnerotest.Server, dbPath string, acked []string, within time.Duration) (missing []string, pending int) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := map[string]bool{}
		for _, r := range fake.Leads() {
			got[r.Email] = true
		}
		missing = missing[:0]
		for _, id := range acked {
			if !got[emailOf(id)] {
				missing = append(missing, id)
			}
		}
		db := openDB(t, dbPath)
		pending = count(t, db, `SELECT COUNT(*) FROM lb_leads WHERE status <> ?`, store.StatusDelivered)
		db.Close()
		if (len(missing) == 0 && pending == 0) || time.Now().After(deadline) {
			return missing, pending
		}
		time.Sleep(250 * time.Millisecond)
	}
}
