package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadbridge/leadbridge/partnero/partnerotest"
)

// TestDiskFull runs `leadbridge serve` with its SQLite file on a small
// tmpfs while webhooks arrive and deliveries are under way, until the
// disk is full; then frees space. Nothing answered 202 may be lost,
// nothing Partnero created may be sent again (its 2xx is kept until it
// can be written), /readyz must say the store is failing while it is full
// and ok after. It needs root and mount(8); it is skipped otherwise.
func TestDiskFull(t *testing.T) {
	t.Parallel() // a process of its own; waits more than it computes
	bin := binary(t)
	dir := mountTmpfs(t, "12m")
	// Ballast, freed to end the outage.
	ballast := filepath.Join(dir, "ballast")
	if err := os.WriteFile(ballast, make([]byte, 3<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	fake := partnerotest.New()
	t.Cleanup(fake.Close)
	fake.SetLatency(20 * time.Millisecond) // deliveries are in flight when the disk fills
	work := t.TempDir()
	spec := serverSpec{
		bin:      bin,
		db:       filepath.Join(dir, "leadbridge.db"),
		mappings: writeMappings(t, work),
		logPath:  filepath.Join(work, "serve.log"),
		env:      []string{"PARTNERO_API_KEY=" + partnerotest.DefaultAPIKey, "PARTNERO_BASE_URL=" + fake.URL()},
		// Short backoffs: a retry (a slow answer on a busy machine) must not
		// outlast the wait below.
		args: []string{"--workers", "8", "--rate", "1000", "--retry-min", "1s", "--retry-max", "2s"},
	}
	srv := start(t, spec)
	ready := func() (int, string) {
		resp, err := http.Get("http://" + srv.adminAddr + "/readyz")
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		var body struct {
			Store struct{ Status, Error string } `json:"store"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body.Store.Status + ": " + body.Store.Error
	}

	// Senders until intake answers 503 for a while: the disk is full.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	l := newLoad()
	client := &http.Client{Timeout: 10 * time.Second}
	var mu sync.Mutex
	rejected := 0
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				mu.Lock()
				full := rejected >= 50
				mu.Unlock()
				if full {
					return
				}
				l.mu.Lock()
				before := l.statuses[http.StatusServiceUnavailable]
				l.mu.Unlock()
				l.post(ctx, client, srv.hookURL(), fmt.Sprintf("full-%d-%d", w, n))
				l.mu.Lock()
				if l.statuses[http.StatusServiceUnavailable] > before {
					mu.Lock()
					rejected++
					mu.Unlock()
				}
				l.mu.Unlock()
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("the disk never filled: %v", l.statuses)
	}
	code, detail := ready()
	t.Logf("disk full after %d webhooks answered 202 (%v); /readyz %d %s; Partnero has %d leads", len(l.acked), l.statuses, code, detail, len(fake.Leads()))
	if code != http.StatusServiceUnavailable || !strings.HasPrefix(detail, "failing") {
		t.Errorf("/readyz while the disk is full: %d %q, want 503 failing", code, detail)
	}
	// Let deliveries run into the full disk: Partnero answers 201, the
	// results cannot be written.
	time.Sleep(time.Second)
	atFull := len(fake.Leads())

	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _ = ready(); code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			_, detail = ready()
			t.Fatalf("/readyz still %d 30s after space came back: %s", code, detail)
		}
		time.Sleep(100 * time.Millisecond)
	}
	missing, pending := waitDelivered(t, fake, spec.db, l.acked, 60*time.Second)
	times := map[string]int{}
	for _, r := range fake.Leads() {
		times[r.Email]++
	}
	resent := 0
	for _, n := range times {
		resent += n - 1
	}
	db := openDB(t, spec.db)
	twice := count(t, db, `SELECT COUNT(*) FROM (SELECT lead_id FROM lb_attempts WHERE outcome = 'delivered' GROUP BY lead_id HAVING COUNT(*) > 1) x`)
	noRecord := count(t, db, `SELECT COUNT(*) FROM lb_leads l WHERE status = 'delivered' AND NOT EXISTS (SELECT 1 FROM lb_attempts a WHERE a.lead_id = l.id AND a.outcome = 'delivered')`)
	db.Close()
	t.Logf("space back: %d acked, %d lost, %d not delivered, %d sent again; Partnero had %d leads at the full disk, %d now", len(l.acked), len(missing), pending, resent, atFull, len(fake.Leads()))
	if len(missing) > 0 || pending > 0 {
		t.Errorf("%d webhooks answered 202 never reached Partnero, %d stored leads not delivered", len(missing), pending)
		db := openDB(t, spec.db)
		rows, err := db.Query(`SELECT l.id, l.status, l.next_at, l.claim, l.last_error, (SELECT group_concat(outcome) FROM lb_attempts a WHERE a.lead_id = l.id)
			FROM lb_leads l WHERE l.status <> 'delivered' LIMIT 10`)
		if err == nil {
			for rows.Next() {
				var id, next, claim int64
				var status, lastErr string
				var outcomes *string
				_ = rows.Scan(&id, &status, &next, &claim, &lastErr, &outcomes)
				t.Logf("lead %d %s next_at %s claim %d last_error %q attempts %v", id, status, time.UnixMilli(next).UTC().Format(time.RFC3339Nano), claim, lastErr, outcomes)
			}
			rows.Close()
		}
		db.Close()
	}
	if resent > 0 || twice > 0 {
		t.Errorf("%d leads sent to Partnero again, %d with two recorded deliveries", resent, twice)
	}
	if noRecord > 0 {
		t.Errorf("%d delivered leads miss their delivered attempt in the history", noRecord)
	}
	if code := srv.stop(); code != 0 {
		t.Errorf("SIGTERM: exit code %d", code)
	}
}

// mountTmpfs mounts a tmpfs of the given size on a new directory for the
// test, or skips the test when the machine does not allow it.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}
