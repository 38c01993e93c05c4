// Command lbfill stores N webhooks of ~1.5 KB (one lead each) in a
// leadbridge store through the store package, as intake would, with 64
// concurrent callers sharing group commits: a backlog to drain (-status
// queued) or a history to measure intake against (-status dry_run, the
// default: stored and never delivered, like a store after months of use).
//
//	lbfill -db big.db -n 1000000 -source history
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadbridge/leadbridge/store"
)

func main() {
	dsn := flag.String("db", "leadbridge.db", "SQLite file or postgres:// URL")
	n := flag.Int("n", 100000, "webhooks to store")
	source := flag.String("source", "history", "source name of the events")
	status := flag.String("status", store.StatusDryRun, "the leads' status: dry_run (history) or queued (a backlog)")
	flag.Parse()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DSN: *dsn, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		fmt.Fprintln(os.Stderr, "lbfill:", err)
		os.Exit(1)
	}
	defer st.Close(ctx)
	pad := strings.Repeat("x", 1260)
	start := time.Now()
	var next, done atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Bool
	for range 64 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(*n) || failed.Load() {
					return
				}
				id := fmt.Sprintf("%s-%d", *source, i)
				email := id + "@example.com"
				payload := fmt.Sprintf(`{"id":%q,"event":"form_submission","name":"Lead %s","email":%q,"ref":"partner-1","message":%q}`, id, id, email, pad)
				body := fmt.Sprintf(`{"name":"Lead %s","email":%q,"partner":{"key":"partner-1"}}`, id, email)
				in := &store.Intake{Source: *source, ContentType: "application/json", Payload: []byte(payload), EventKey: "k:" + id,
					Leads: []store.NewLead{{DedupeKey: "k:" + id, Status: *status, Body: []byte(body), Email: email}}}
				if _, err := st.Ingest(ctx, in); err != nil {
					fmt.Fprintln(os.Stderr, "lbfill:", err)
					failed.Store(true)
					return
				}
				if d := done.Add(1); d%100000 == 0 {
					fmt.Fprintf(os.Stderr, "lbfill: %d stored, %.0f/s\n", d, float64(d)/time.Since(start).Seconds())
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() {
		os.Exit(1)
	}
	fmt.Printf("stored %d webhooks in %s (%.0f/s)\n", done.Load(), time.Since(start).Round(time.Millisecond), float64(done.Load())/time.Since(start).Seconds())
}
