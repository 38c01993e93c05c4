// Command lbcount counts the events a leadbridge store holds for one
// source, by status, through the store package (SQLite file or postgres://
// URL), for scripts/load.sh to check that every 2xx answer was stored.
//
//	lbcount -db bench.db -source load
//	events=123456 dry_run=123456
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/leadbridge/leadbridge/store"
)

func main() {
	dsn := flag.String("db", "leadbridge.db", "SQLite file or postgres:// URL")
	source := flag.String("source", "", "count this source's events only")
	flag.Parse()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DSN: *dsn, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		fmt.Fprintln(os.Stderr, "lbcount:", err)
		os.Exit(1)
	}
	defer st.Close(ctx)
	total := 0
	byStatus := map[string]int{}
	var before int64
	for {
		page, err := st.ListEvents(ctx, store.Filter{Source: *source, Limit: 10000, BeforeID: before})
		if err != nil {
			fmt.Fprintln(os.Stderr, "lbcount:", err)
			os.Exit(1)
		}
		for _, e := range page {
			total++
			byStatus[e.Status]++
			before = e.ID
		}
		if len(page) < 10000 {
			break
		}
	}
	parts := []string{fmt.Sprintf("events=%d", total)}
	for s, n := range byStatus {
		parts = append(parts, fmt.Sprintf("%s=%d", s, n))
	}
	sort.Strings(parts[1:])
	fmt.Println(strings.Join(parts, " "))
}
