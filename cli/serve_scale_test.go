package cli

import (
	"testing"

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
