package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// BenchmarkQueueDrain is the store's share of delivery: claim due leads
// and record them delivered, in batches of 64 (what 16 workers claim), on
// SQLite with synchronous=FULL. One op is one lead. It is the figure that
// decided against a queue library with one transaction per message (see
// README, Delivery):
//
//	go test ./store -run '^$' -bench QueueDrain -benchtime 20000x -count 3
func BenchmarkQueueDrain(b *testing.B) {
	ctx := context.Background()
	c := &clock{now: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)}
	s, err := Open(ctx, Config{DSN: b.TempDir() + "/lb.db", Now: c.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			for i := g; i < b.N; i += 32 {
				key := fmt.Sprintf("k:%d", i)
				if _, err := s.Ingest(ctx, intake("s", key, queued(key))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ResetTimer()
	done := 0
	for done < b.N {
		ds, err := s.Claim(ctx, 64, time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		rs := make([]Result, len(ds))
		for i, d := range ds {
			rs[i] = Result{d, Decision{Status: StatusDelivered, StatusCode: 201, Outcome: "delivered"}, c.Now()}
		}
		if _, err := s.Complete(ctx, rs); err != nil {
			b.Fatal(err)
		}
		done += len(ds)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "leads/s")
}
