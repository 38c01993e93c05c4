package e2e

// Ingest and drain of `leadbridge serve` on PostgreSQL next to SQLite, in the
// same conditions (issue 7). Not a test: it runs only with LEADBRIDGE_BENCH=1,
// from scripts/pg-bench.sh, which also starts a throwaway PostgreSQL.
//
//   - ingest: webhooks/s that wrk gets answered at 64 connections, ~1.5 KB
//     JSON bodies with unique ids, in dry-run (no PARTNERO_API_KEY: every
//     webhook is verified, mapped and stored durably, nothing is sent), so
//     that only intake is measured;
//   - drain: leads/s delivered to the in-process fake Partnero (no
//     latency) with --rate raised, from a store preloaded with queued leads
//     (the first to the last lead the fake received).

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadbridge/leadbridge/partnero/partnerotest"
	"github.com/leadbridge/leadbridge/store"
)

const pgBenchLua = `-- unique ids per request: a run nonce, the wrk thread and a counter
local threads = {}
function setup(thread)
  thread:set("tid", tostring(#threads))
  table.insert(threads, thread)
end
local counter = 0
local nonce = "r"
local pad = string.rep("x", 1300)
local headers = {["Content-Type"] = "application/json", ["X-Leadbridge-Token"] = "` + pgToken + `"}
function init(args)
  nonce = args[1] or nonce
end
request = function()
  counter = counter + 1
  local id = nonce .. "-" .. tid .. "-" .. counter
  local body = '{"id":"' .. id .. '","event":"form_submission","name":"Lead ' .. id .. '","email":"l' .. id ..
    '@example.com","ref":"p1","message":"' .. pad .. '"}'
  return wrk.format("POST", nil, headers, body)
end
`

type pgBenchRow struct {
	what, backend string
	value         float64 // webhooks/s or leads/s
	p50, p99      string  // ingest latency
	load          string  // /proc/loadavg before the run
}

func TestPostgresBench(t *testing.T) {
	if os.Getenv("LEADBRIDGE_BENCH") == "" {
		t.Skip("benchmark, not a test: run scripts/pg-bench.sh (LEADBRIDGE_BENCH=1)")
	}
	base := os.Getenv("LEADBRIDGE_TEST_POSTGRES")
	if base == "" {
		t.Skip("set LEADBRIDGE_TEST_POSTGRES=postgres://... (scripts/pg-bench.sh starts one)")
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		t.Skip("wrk is not installed (apt-get install -y wrk)")
	}
	bin := pgBuild(t)
	dur := pgEnvOr("LEADBRIDGE_BENCH_DURATION", "15s")
	reps, _ := strconv.Atoi(pgEnvOr("LEADBRIDGE_BENCH_REPS", "3"))
	drainN, _ := strconv.Atoi(pgEnvOr("LEADBRIDGE_BENCH_LEADS", "10000"))
	drainWorkers := strings.Fields(pgEnvOr("LEADBRIDGE_BENCH_WORKERS", "4 32"))
	dir := t.TempDir()
	lua := filepath.Join(dir, "unique.lua")
	mappings := filepath.Join(dir, "mappings.yaml")
	for f, content := range map[string]string{lua: pgBenchLua, mappings: pgMappingsYA} {
		if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	backends := []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "lb.db") }},
		{"postgres", func(t *testing.T) string { dsn, _ := pgFreshDB(t, base); return dsn }},
	}
	var rows []pgBenchRow
	add := func(r pgBenchRow) {
		rows = append(rows, r)
		t.Logf("%-28s %-16s %8.0f/s  p50 %-8s p99 %-8s load %s", r.what, r.backend, r.value, r.p50, r.p99, r.load)
	}
	for rep := 1; rep <= reps; rep++ {
		for _, be := range backends {
			instances := []int{1}
			if be.name == "postgres" {
				instances = []int{1, 2}
			}
			for _, n := range instances {
				t.Run(fmt.Sprintf("ingest/%s/%d", be.name, n), func(t *testing.T) {
					add(pgIngest(t, bin, wrk, lua, mappings, be.db(t), be.name, n, dur, rep))
				})
			}
			for _, w := range drainWorkers {
				for _, n := range instances {
					t.Run(fmt.Sprintf("drain/%s/%d/w%s", be.name, n, w), func(t *testing.T) {
						add(pgDrain(t, bin, mappings, be.db(t), be.name, n, w, drainN))
					})
				}
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| measure | backend | per second | p50 | p99 | load before (1/5/15 min) |\n| --- | --- | ---: | --- | --- | --- |\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %.0f | %s | %s | %s |\n", r.what, r.backend, r.value, r.p50, r.p99, r.load)
	}
	t.Log(b.String())
}

// pgIngest runs wrk -c64 against n dry-run instances (64 connections in all).
func pgIngest(t *testing.T, bin, wrk, lua, mappings, db, backend string, n int, dur string, rep int) pgBenchRow {
	dir := t.TempDir()
	var ins []*pgInstance
	for i := range n {
		ins = append(ins, pgStart(t, bin, pgServe{db: db, mappings: mappings}, filepath.Join(dir, fmt.Sprintf("i%d.log", i))))
	}
	row := pgBenchRow{what: fmt.Sprintf("ingest, %d instance(s), c64", n), backend: backend, load: pgLoadAvg()}
	outs := make([]string, n)
	var wg sync.WaitGroup
	for i, in := range ins {
		wg.Go(func() {
			cmd := exec.Command(wrk, "-t2", fmt.Sprintf("-c%d", 64/n), "-d"+dur, "--latency", "-s", lua,
				in.hookURL(), "--", fmt.Sprintf("r%d%s%d", rep, backend, i))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("wrk: %v\n%s", err, out)
			}
			outs[i] = string(out)
		})
	}
	wg.Wait()
	for i, out := range outs {
		rps := pgMatch(t, out, `Requests/sec:\s+([0-9.]+)`)
		v, _ := strconv.ParseFloat(rps, 64)
		row.value += v
		if i == 0 {
			row.p50 = pgMatch(t, out, `\s50%\s+(\S+)`)
			row.p99 = pgMatch(t, out, `\s99%\s+(\S+)`)
		}
		if m := regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`).FindStringSubmatch(out); m != nil {
			t.Errorf("%s answers were not 2xx:\n%s", m[1], out)
		}
		if m := regexp.MustCompile(`Socket errors: .*`).FindString(out); m != "" {
			t.Logf("wrk: %s", m)
		}
	}
	for _, in := range ins {
		if code := in.stop(t); code != 0 {
			t.Errorf("%s exited %d:\n%s", in.name, code, in.tail())
		}
	}
	return row
}

// pgDrain preloads leads queued leads into db, then starts n instances with
// --workers w and an unlimited rate and measures leads/s at the fake.
func pgDrain(t *testing.T, bin, mappings, db, backend string, n int, w string, leads int) pgBenchRow {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DSN: db})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 64 {
		wg.Go(func() {
			for i := g; i < leads; i += 64 {
				key := fmt.Sprintf("d:%d", i)
				body := fmt.Sprintf(`{"name":"Lead %d","email":"d%d@example.com","partner":{"key":"p1"}}`, i, i)
				_, err := st.Ingest(ctx, &store.Intake{Source: "pg", ContentType: "application/json", Payload: []byte(body), EventKey: key,
					Leads: []store.NewLead{{DedupeKey: key, Status: store.StatusQueued, Body: []byte(body)}}})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}

	fake := partnerotest.New()
	t.Cleanup(fake.Close)
	row := pgBenchRow{what: fmt.Sprintf("drain, %d instance(s), --workers %s", n, w), backend: backend, p50: "-", p99: "-", load: pgLoadAvg()}
	dir := t.TempDir()
	var ins []*pgInstance
	for i := range n {
		ins = append(ins, pgStart(t, bin, pgServe{db: db, mappings: mappings, partnero: fake.URL(),
			args: append([]string{"--workers", w, "--rate", "100000"}, strings.Fields(os.Getenv("LEADBRIDGE_BENCH_ARGS"))...)}, filepath.Join(dir, fmt.Sprintf("i%d.log", i))))
	}
	deadline := time.Now().Add(5 * time.Minute)
	for fake.Attempts() < leads {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d leads delivered in 5 minutes", fake.Attempts(), leads)
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := fake.Leads()
	if len(got) != leads {
		t.Errorf("the fake received %d leads, want %d", len(got), leads)
	}
	span := got[len(got)-1].At.Sub(got[0].At)
	row.value = float64(len(got)-1) / span.Seconds()
	for _, in := range ins {
		if code := in.stop(t); code != 0 {
			t.Errorf("%s exited %d:\n%s", in.name, code, in.tail())
		}
	}
	return row
}

func pgMatch(t *testing.T, out, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %s in wrk's output:\n%s", re, out)
	}
	return m[1]
}

func pgLoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func pgEnvOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
