package e2e

// Two `leadbridge serve` processes on one PostgreSQL database (issue 7):
// 1,000 webhooks (LEADBRIDGE_PG_WEBHOOKS) spread over both reach the fake Partnero exactly once;
// with one instance SIGKILLed mid-way, none is lost and the duplicates are
// at most the deliveries that were in flight on it.
//
// Runs when LEADBRIDGE_TEST_POSTGRES names a database (bash .ci/run starts
// one); each run creates and drops a database of its own.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"golang.org/x/time/rate"

	"github.com/leadbridge/leadbridge/partnero/partnerotest"
)

const (
	pgToken      = "pg-e2e-token"
	pgWorkers    = 4 // per instance
	pgMappingsYA = `sources:
  pg:
    provider: generic
    token: ` + pgToken + `
    dedupe: id
    lead:
      name: name
      email: email
      partner: {key: ref}
`
)

// pgWebhooks is how many webhooks each run sends: 1,000, or
// LEADBRIDGE_PG_WEBHOOKS (10000 for the README's figure).
var pgWebhooks = func() int {
	if n, err := strconv.Atoi(os.Getenv("LEADBRIDGE_PG_WEBHOOKS")); err == nil && n > 0 {
		return n
	}
	return 1000
}()

func TestPostgresTwoInstances(t *testing.T) {
	t.Parallel() // a process of its own; waits more than it computes
	base := os.Getenv("LEADBRIDGE_TEST_POSTGRES")
	if base == "" {
		t.Skip("PostgreSQL only: set LEADBRIDGE_TEST_POSTGRES=postgres://... to run it (bash .ci/run does)")
	}
	if testing.Short() {
		t.Skip("end-to-end test: builds and runs the binary; skipped with -short")
	}
	bin := pgBuild(t)
	t.Run("each lead delivered once", func(t *testing.T) { pgRunInstances(t, bin, base, false) })
	t.Run("one instance SIGKILLed mid-way", func(t *testing.T) { pgRunInstances(t, bin, base, true) })
}

func pgRunInstances(t *testing.T, bin, base string, kill bool) {
	dsn, db := pgFreshDB(t, base)
	fake := partnerotest.New()
	t.Cleanup(fake.Close)
	dir := t.TempDir()
	mappings := filepath.Join(dir, "mappings.yaml")
	if err := os.WriteFile(mappings, []byte(pgMappingsYA), 0o600); err != nil {
		t.Fatal(err)
	}
	serve := pgServe{db: dsn, mappings: mappings, partnero: fake.URL(),
		args: []string{"--workers", fmt.Sprint(pgWorkers), "--rate", "1000", "--rescue-after", "10s"}}
	a := pgStart(t, bin, serve, filepath.Join(dir, "a.log"))
	b := pgStart(t, bin, serve, filepath.Join(dir, "b.log"))
	instances := []*pgInstance{a, b}

	// Senders: webhook i goes to instance i%2. A provider retries what was
	// not answered 2xx; so do they, on the other instance.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	limiter := rate.NewLimiter(400, 1) // ingest and delivery overlap
	var answered, retried atomic.Int64
	statuses := make([]int, pgWebhooks)
	next := atomic.Int64{}
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= pgWebhooks {
					return
				}
				body := fmt.Sprintf(`{"id":"w%d","name":"Lead %d","email":"lead%d@example.com","ref":"p%d"}`, i, i, i, i%7)
				for try := 0; ; try++ {
					if err := limiter.Wait(ctx); err != nil {
						return
					}
					code, err := pgPost(client, instances[(i+try)%2].hookURL(), body)
					if err == nil && (code == http.StatusAccepted || code == http.StatusOK) {
						statuses[i] = code
						answered.Add(1)
						break
					}
					retried.Add(1)
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}

	var inFlight int
	if kill {
		// Mid-way: half the webhooks answered and deliveries under way.
		for answered.Load() < int64(pgWebhooks/2) || len(fake.Leads()) < 100 {
			if ctx.Err() != nil {
				t.Fatalf("never got half-way: %d answered, %d delivered", answered.Load(), len(fake.Leads()))
			}
			time.Sleep(5 * time.Millisecond)
		}
		var killedAt time.Time
		if err := db.QueryRow(`SELECT now()`).Scan(&killedAt); err != nil {
			t.Fatal(err)
		}
		a.kill(t)
		answeredAtKill, delivered := answered.Load(), len(fake.Leads())
		// In flight on the dead instance: the leads it logged as delivered
		// whose result it had not recorded, and at most --workers it was
		// still sending.
		unrecorded := unrecordedDeliveries(t, a.logPath, db)
		inFlight = unrecorded + pgWorkers
		t.Logf("SIGKILLed instance a at %s with %d webhooks answered and %d leads delivered; in flight: %d answered and not recorded + at most %d being sent",
			killedAt.Format(time.RFC3339Nano), answeredAtKill, delivered, unrecorded, pgWorkers)
	}
	wg.Wait()
	if n := answered.Load(); n != int64(pgWebhooks) {
		t.Fatalf("only %d of %d webhooks were answered 2xx", n, pgWebhooks)
	}
	accepted := 0
	for _, s := range statuses {
		if s == http.StatusAccepted {
			accepted++
		}
	}
	t.Logf("%d webhooks answered 202, %d 200 duplicate (a retry of one whose answer was lost), %d sends retried", accepted, pgWebhooks-accepted, retried.Load())
	if !kill && accepted != pgWebhooks {
		t.Errorf("%d webhooks answered 200 instead of 202 without any failure", pgWebhooks-accepted)
	}

	// Wait until every lead is delivered and none waits.
	start := time.Now()
	deadline := start.Add(100 * time.Second)
	for {
		var delivered, pending int
		if err := db.QueryRow(`SELECT COUNT(*) FROM lb_leads WHERE status = 'delivered'`).Scan(&delivered); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT COUNT(*) FROM lb_leads WHERE status IN ('queued', 'retrying')`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if delivered == pgWebhooks && pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, in := range instances {
				t.Logf("%s log tail:\n%s", in.name, in.tail())
			}
			t.Fatalf("after %s: %d of %d leads delivered, %d waiting", time.Since(start).Round(time.Second), delivered, pgWebhooks, pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("all delivered and the queue idle %s after the last webhook was answered", time.Since(start).Round(100*time.Millisecond))

	// What the fake Partnero received.
	got := map[string]int{}
	for _, l := range fake.Leads() {
		got[l.Email]++
	}
	lost, dups := 0, 0
	for i := range pgWebhooks {
		switch n := got[fmt.Sprintf("lead%d@example.com", i)]; {
		case n == 0:
			lost++
		case n > 1:
			dups += n - 1
		}
	}
	if len(got) != pgWebhooks {
		t.Errorf("the fake received %d distinct leads, want %d", len(got), pgWebhooks)
	}
	if lost > 0 {
		t.Errorf("%d webhooks answered 2xx never reached Partnero", lost)
	}
	if kill {
		t.Logf("duplicates at Partnero: %d (deliveries in flight at the kill: at most %d)", dups, inFlight)
		if dups > inFlight {
			t.Errorf("%d duplicates, more than the %d deliveries in flight at the kill", dups, inFlight)
		}
	} else if dups > 0 {
		t.Errorf("%d leads were delivered more than once", dups)
	}

	// Both instances delivered: each logs one line per attempt.
	for _, in := range instances {
		if n := strings.Count(in.log(), `"msg":"delivery attempt"`); n == 0 {
			t.Errorf("%s made no delivery", in.name)
		} else {
			t.Logf("%s: %d deliveries", in.name, n)
		}
	}

	// The survivors stop cleanly.
	for _, in := range instances {
		if in.killed {
			continue
		}
		if code := in.stop(t); code != 0 {
			t.Errorf("%s exited %d after SIGTERM:\n%s", in.name, code, in.tail())
		}
	}
}

// pgBuild builds the leadbridge binary into a temp dir.
func pgBuild(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to build leadbridge")
	}
	out := filepath.Join(t.TempDir(), "leadbridge")
	cmd := exec.Command(goTool, "build", "-o", out, ".")
	cmd.Dir = ".." // the module root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// pgFreshDB creates a database of its own for one run and drops it after.
func pgFreshDB(t *testing.T, base string) (string, *sql.DB) {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("lbe2e_%d_%d", os.Getpid(), time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	dsn := u.String()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if a, err := sql.Open("pgx", base); err == nil {
			_, _ = a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	return dsn, db
}

type pgInstance struct {
	name    string
	addr    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	killed  bool
}

func (p *pgInstance) hookURL() string { return "http://" + p.addr + "/hooks/pg" }

// pgServe is how to run `leadbridge serve`.
type pgServe struct {
	db, mappings string
	partnero     string // the fake's URL; "" runs in dry-run
	args         []string
}

// pgStart starts `leadbridge serve` and waits until it answers /healthz.
func pgStart(t *testing.T, bin string, o pgServe, logPath string) *pgInstance {
	t.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	p := &pgInstance{name: strings.TrimSuffix(filepath.Base(logPath), ".log"), addr: pgFreeAddr(t), logPath: logPath, done: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"serve",
		"--addr", p.addr, "--admin-addr", pgFreeAddr(t), "--db", o.db, "--mappings", o.mappings}, o.args...)...)
	p.cmd.Env = pgChildEnv()
	if o.partnero != "" {
		p.cmd.Env = append(p.cmd.Env, "PARTNERO_API_KEY="+partnerotest.DefaultAPIKey, "PARTNERO_BASE_URL="+o.partnero)
	}
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); logf.Close(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + p.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited at start:\n%s", p.name, p.tail())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer /healthz in 30s:\n%s", p.name, p.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *pgInstance) kill(t *testing.T) {
	t.Helper()
	p.killed = true
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

// stop sends SIGTERM and returns the exit code.
func (p *pgInstance) stop(t *testing.T) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		t.Fatalf("%s did not stop 40s after SIGTERM", p.name)
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *pgInstance) log() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

func (p *pgInstance) tail() string {
	b, _ := os.ReadFile(p.logPath)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}

// pgChildEnv is the test's environment without leadbridge and Partnero
// settings, so that only the flags given apply.
func pgChildEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "LEADBRIDGE_") || strings.HasPrefix(kv, "PARTNERO_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func pgFreeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func pgPost(c *http.Client, u, body string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewBufferString(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Leadbridge-Token", pgToken)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var ans struct {
		Status string `json:"status"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&ans)
	if resp.StatusCode == http.StatusOK && ans.Status != "duplicate" {
		return 0, fmt.Errorf("200 %q, want duplicate", ans.Status)
	}
	return resp.StatusCode, nil
}
