package notify

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/store"
)

// BenchmarkCheck times one check on a SQLite store holding an hour of
// intake: 1,000 or 20,000 webhooks of 4 sources in the last hour (a
// third without a partner) and all their leads still waiting (Partnero
// down), so every query has rows to go through. A check holds SQLite's
// one connection about this long every --notify-check (30s); intake waits
// behind it.
//
//	go test ./notify -run '^$' -bench Check -benchtime 20x
func BenchmarkCheck(b *testing.B) {
	for _, webhooks := range []int{1000, 20000} {
		b.Run(fmt.Sprintf("webhooks=%d", webhooks), func(b *testing.B) { benchmarkCheck(b, webhooks) })
	}
}

func benchmarkCheck(b *testing.B, webhooks int) {
	c := &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	st, err := store.Open(context.Background(), store.Config{DSN: filepath.Join(b.TempDir(), "lb.db"), Now: c.Now})
	require.NoError(b, err)
	b.Cleanup(func() { _ = st.Close(context.Background()) })
	const senders = 64
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := s; i < webhooks; i += senders {
				key := fmt.Sprintf("k:%d", i)
				l := store.NewLead{DedupeKey: key, Status: store.StatusQueued, Body: []byte(`{}`)}
				if i%3 == 0 {
					l = store.NewLead{DedupeKey: key, Status: store.StatusIgnored, Reason: "no partner"}
				}
				_, err := st.Ingest(context.Background(), &store.Intake{Source: fmt.Sprintf("src%d", i%4), Payload: []byte(`{}`), EventKey: key, Leads: []store.NewLead{l}})
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	c.Add(30 * time.Minute) // the waiting leads are a backlog now
	n, err := New(Config{}, Deps{Store: st, Now: c.Now, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(b, err)
	require.NoError(b, n.check(context.Background()))
	b.ResetTimer()
	for range b.N {
		c.Add(30 * time.Second)
		if err := n.check(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	require.Len(b, n.Unattributed(), 4)
}
