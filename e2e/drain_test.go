package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/partnero/partnerotest"
	"github.com/leadbridge/leadbridge/providers"
	"github.com/leadbridge/leadbridge/store"
)

// drainBacklog is how many stored leads each drain starts from.
const drainBacklog = 5000

// BenchmarkDrain is issue 5's drain benchmark: leads per second delivered
// by `leadbridge serve --rate 10000 --workers N` to a zero-latency fake
// Partnero, from a backlog of 5,000 queued leads stored while nothing was
// delivering them (Partnero or leadbridge down). Each iteration builds a
// fresh backlog, then times the server from /healthz answering until the
// fake holds every lead; leads/s is that rate, steady-leads/s the rate
// between the first and the last lead the fake received. Run it with
//
//	go test ./e2e -run '^$' -bench Drain -benchtime 1x -count 3
func BenchmarkDrain(b *testing.B) {
	for _, workers := range []int{16, 50, 200} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) { benchmarkDrain(b, workers) })
	}
}

func benchmarkDrain(b *testing.B, workers int) {
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
			args:     []string{"--workers", fmt.Sprint(workers), "--rate", "10000"},
		}
		storeBacklog(b, spec.db, drainBacklog)
		b.StartTimer()
		began := time.Now()
		srv := start(b, spec)
		for len(fake.Leads()) < drainBacklog {
			if time.Since(began) > 5*time.Minute {
				b.Fatalf("after 5 minutes the fake holds %d of %d leads", len(fake.Leads()), drainBacklog)
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
		if n := len(leads); n != drainBacklog {
			b.Errorf("the fake holds %d leads for a backlog of %d: duplicates", n, drainBacklog)
		}
	}
	n := float64(b.N * drainBacklog)
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
