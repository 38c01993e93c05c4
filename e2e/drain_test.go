package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/partnero/partnerotest"
	"github.com/leadbridge/leadbridge/providers"
	"github.com/leadbridge/leadbridge/store"
)

// BenchmarkDrain is issue 15's drain benchmark: leads per second delivered
// by `leadbridge serve --rate 100000 --workers N` to a zero-latency fake
// Partnero, from a backlog stored while nothing was delivering it
// (Partnero or leadbridge down): LEADBRIDGE_DRAIN_LEADS single webhooks
// (default 100,000), or with LEADBRIDGE_DRAIN_BATCH=1 one `each` batch of
// LEADBRIDGE_DRAIN_LEADS elements (16,000 in the README). Each iteration
// builds a fresh backlog, then times the server from /healthz answering
// until the fake holds every lead; leads/s is that rate, steady-leads/s
// the rate between the first and the last lead the fake received.
// LEADBRIDGE_DRAIN_WORKERS lists the --workers values (default "4 16").
//
//	go test ./e2e -run '^$' -bench Drain -benchtime 1x -count 3 -timeout 60m
func BenchmarkDrain(b *testing.B) {
	n, err := strconv.Atoi(envOr("LEADBRIDGE_DRAIN_LEADS", "100000"))
	if err != nil || n <= 0 {
		b.Fatalf("LEADBRIDGE_DRAIN_LEADS: %v", err)
	}
	batch := os.Getenv("LEADBRIDGE_DRAIN_BATCH") == "1"
	for _, w := range strings.Fields(envOr("LEADBRIDGE_DRAIN_WORKERS", "4 16")) {
		workers, err := strconv.Atoi(w)
		if err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("leads=%d/workers=%d", n, workers)
		if batch {
			name = fmt.Sprintf("batch=%d/workers=%d", n, workers)
		}
		b.Run(name, func(b *testing.B) { benchmarkDrain(b, workers, n, batch) })
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func benchmarkDrain(b *testing.B, workers, backlog int, batch bool) {
	bin := binary(b)
	fake := partnerotest.New()
	b.Cleanup(fake.Close)
	var total, steady time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		fake.Reset()
		dir := b.TempDir()
		spec := serverSpec{
			bin:      bin,
			db:       filepath.Join(dir, "leadbridge.db"),
			mappings: writeMappings(b, dir),
			logPath:  filepath.Join(dir, "serve.log"),
			env:      []string{"PARTNERO_API_KEY=" + partnerotest.DefaultAPIKey, "PARTNERO_BASE_URL=" + fake.URL()},
			args:     []string{"--workers", fmt.Sprint(workers), "--rate", "100000"},
		}
		if batch {
			storeBatch(b, spec.db, backlog)
		} else {
			storeBacklog(b, spec.db, backlog)
		}
		b.StartTimer()
		began := time.Now()
		srv := start(b, spec)
		for fake.Attempts() < backlog {
			if time.Since(began) > 20*time.Minute {
				b.Fatalf("after 20 minutes the fake got %d of %d leads", fake.Attempts(), backlog)
			}
			time.Sleep(20 * time.Millisecond)
		}
		total += time.Since(began)
		b.StopTimer()
		leads := fake.Leads()
		steady += leads[len(leads)-1].At.Sub(leads[0].At)
		if code := srv.stop(); code != 0 {
			b.Errorf("SIGTERM: exit code %d", code)
		}
		if n := len(leads); n != backlog {
			b.Errorf("the fake holds %d leads for a backlog of %d: duplicates", n, backlog)
		}
	}
	n := float64(b.N * backlog)
	b.Logf("load average after: %s", loadAvg())
	b.ReportMetric(n/total.Seconds(), "leads/s")
	b.ReportMetric(n/steady.Seconds(), "steady-leads/s")
	b.ReportMetric(0, "ns/op")
}

// storeBacklog stores n queued leads through the store package, as intake
// does (the same mapping, decoding and Intake shape as bridge), with
// concurrent callers so that group commit makes it quick.
func storeBacklog(tb testing.TB, dbPath string, n int) {
	tb.Helper()
	cfg, err := mappings.Load([]byte(mappingsYAML))
	if err != nil {
		tb.Fatal(err)
	}
	src := cfg.Sources["load"]
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DSN: dbPath})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close(ctx)
	const callers = 64
	var wg sync.WaitGroup
	// Large backlogs are written as fast as intake takes them.
	errs := make(chan error, callers)
	for c := range callers {
		wg.Go(func() {
			for i := c; i < n; i += callers {
				raw := webhookBody(fmt.Sprintf("backlog-%d", i))
				doc, err := providers.Decode(src.Provider, "application/json", raw)
				if err != nil {
					errs <- err
					return
				}
				items := src.Apply(raw, string(doc))
				if len(items) != 1 || items[0].Outcome != mappings.Mapped {
					errs <- fmt.Errorf("webhook %d did not map: %+v", i, items)
					return
				}
				in := &store.Intake{Source: src.Name, ContentType: "application/json", Payload: raw, EventKey: items[0].DedupeKey,
					Leads: []store.NewLead{{Index: 0, DedupeKey: items[0].DedupeKey, Status: store.StatusQueued, Body: items[0].Lead.AppendJSON(nil)}}}
				if _, err := st.Ingest(ctx, in); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
}

// storeBatch stores one webhook of an `each` source with n elements, as
// intake does: one event, n queued leads.
func storeBatch(tb testing.TB, dbPath string, n int) {
	tb.Helper()
	cfg, err := mappings.Load([]byte(mappingsYAML))
	if err != nil {
		tb.Fatal(err)
	}
	src := cfg.Sources["batch"]
	var raw strings.Builder
	raw.WriteString(`{"items":[`)
	for i := range n {
		if i > 0 {
			raw.WriteByte(',')
		}
		id := fmt.Sprintf("batch-%d", i)
		fmt.Fprintf(&raw, `{"id":%q,"name":"Lead %s","email":%q,"ref":"partner-1"}`, id, id, emailOf(id))
	}
	raw.WriteString(`]}`)
	doc, err := providers.Decode(src.Provider, "application/json", []byte(raw.String()))
	if err != nil {
		tb.Fatal(err)
	}
	items := src.Apply([]byte(raw.String()), string(doc))
	in := &store.Intake{Source: src.Name, ContentType: "application/json", Payload: []byte(raw.String()), EventKey: "batch"}
	for i, it := range items {
		if it.Outcome != mappings.Mapped {
			tb.Fatalf("element %d did not map: %+v", i, it)
		}
		in.Leads = append(in.Leads, store.NewLead{Index: it.Index, DedupeKey: it.DedupeKey, Status: store.StatusQueued, Body: it.Lead.AppendJSON(nil)})
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DSN: dbPath})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close(ctx)
	if _, err := st.Ingest(ctx, in); err != nil {
		tb.Fatal(err)
	}
}

// loadAvg is /proc/loadavg's first three fields: how busy the machine was.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}
