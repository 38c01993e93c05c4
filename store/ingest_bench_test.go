package store

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkIngest is the store's share of intake: 64 concurrent webhooks
// (what scripts/load.sh's wrk -c64 sends) of ~1.5 KB, one queued lead each
// with an email, group-committed on SQLite with synchronous=FULL (or on
// LEADBRIDGE_BENCH_POSTGRES). One op is one webhook; cpu-µs/op is the
// process's CPU time (user+system) per webhook, events/commit the mean
// group-commit batch:
//
//	go test ./store -run '^$' -bench Ingest -benchtime 40000x -count 3 -cpu 2
func BenchmarkIngest(b *testing.B) {
	ctx := context.Background()
	dsn := b.TempDir() + "/lb.db"
	if pg := os.Getenv("LEADBRIDGE_BENCH_POSTGRES"); pg != "" {
		dsn = pg
	}
	s, err := Open(ctx, Config{DSN: dsn})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	stamp := time.Now().UnixNano()
	pad := strings.Repeat("x", 1260)
	const senders = 64
	commits0 := s.committer.commits.Load()
	cpu0 := cpuTime()
	b.ResetTimer()
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := g; i < b.N; i += senders {
				key := fmt.Sprintf("b%d-%d", stamp, i)
				in := &Intake{Source: "bench", ContentType: "application/json",
					Headers:  []byte(`{"Content-Type":"application/json","User-Agent":"wrk"}`),
					Payload:  []byte(`{"id":"` + key + `","name":"Lead","email":"` + key + `@example.com","ref":"partner-1","message":"` + pad + `"}`),
					EventKey: key,
					Leads: []NewLead{{DedupeKey: key, Status: StatusQueued, Email: key + "@example.com",
						Body: []byte(`{"name":"Lead","email":"` + key + `@example.com","partner":{"key":"partner-1"}}`)}},
				}
				if _, err := s.Ingest(ctx, in); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(b.N)/float64(s.committer.commits.Load()-commits0), "events/commit")
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
