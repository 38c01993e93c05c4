package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/leadbridge/leadbridge/store"
)

// openStore opens the store quietly: these commands print their own output.
func openStore(ctx context.Context, o IO, dsn string) (*store.Store, bool) {
	log, _ := newLogger(o, "error")
	st, err := store.Open(ctx, store.Config{DSN: dsn, Logger: log})
	if err != nil {
		fmt.Fprintf(o.Err, "leadbridge: open store %s: %v\n", redactDSN(dsn), err)
		return nil, false
	}
	return st, true
}

func closeStore(st *store.Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = st.Close(ctx)
}
