package cli

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The PostgreSQL pool size is a flag with an environment variable; a bad
// value is a usage error that names the flag, before anything is opened.
func TestServeDBPool(t *testing.T) {
	var f serveFlags
	fs := newFlagSet("serve", "serve [flags]", IO{LookupEnv: func(k string) (string, bool) {
		if k == "LEADBRIDGE_DB_POOL" {
			return "25", true
		}
		return "", false
	}})
	f.register(fs)
	_, err := fs.parse(nil)
	require.NoError(t, err)
	sc, err := f.storeConfig()
	require.NoError(t, err)
	require.Equal(t, 25, sc.PoolSize)

	for _, bad := range []string{"0", "-3", "ten"} {
		r := run(t, nil, "", "serve", "--db-pool", bad, "--db", t.TempDir()+"/lb.db")
		require.Equal(t, 2, r.code, bad)
		require.Contains(t, r.err, `--db-pool: expected a positive whole number, got "`+bad+`"`)
	}
}

// How soon another instance retries the deliveries of a dead one.
func TestServeRescueAfter(t *testing.T) {
	for env, want := range map[string]time.Duration{"": 2 * time.Minute, "30s": 30 * time.Second, "10m": 10 * time.Minute} {
		var f serveFlags
		fs := newFlagSet("serve", "serve [flags]", IO{LookupEnv: func(k string) (string, bool) {
			if k == "LEADBRIDGE_RESCUE_AFTER" && env != "" {
				return env, true
			}
			return "", false
		}})
		f.register(fs)
		_, err := fs.parse(nil)
		require.NoError(t, err)
		c, err := f.config(IO{LookupEnv: func(string) (string, bool) { return "", false }})
		require.NoError(t, err)
		require.Equal(t, want, c.RescueAfter, env)
	}
	for _, bad := range []string{"5s", "0", "soon"} {
		r := run(t, nil, "", "serve", "--rescue-after", bad, "--db", t.TempDir()+"/lb.db")
		require.Equal(t, 2, r.code, bad)
		require.Contains(t, r.err, `--rescue-after: expected a Go duration of at least 10s, such as 2m, got "`+bad+`"`)
	}
}
