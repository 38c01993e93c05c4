package cli

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRescueAfterEnv checks LEADBRIDGE_RESCUE_AFTER, an environment-only
// knob: unset leaves the default, a duration is passed on, anything else
// (or under a second) is a usage error naming the variable.
func TestRescueAfterEnv(t *testing.T) {
	config := func(v string) (time.Duration, error) {
		fs := newFlagSet("serve", "serve", IO{Getenv: func(string) string { return "" }})
		var f serveFlags
		f.register(fs)
		_, err := fs.parse(nil)
		require.NoError(t, err)
		c, err := f.config(IO{Getenv: func(k string) string {
			if k == "LEADBRIDGE_RESCUE_AFTER" {
				return v
			}
			return ""
		}})
		return c.RescueAfter, err
	}
	d, err := config("")
	require.NoError(t, err)
	require.Zero(t, d)
	d, err = config("5s")
	require.NoError(t, err)
	require.Equal(t, 5*time.Second, d)
	for _, bad := range []string{"5", "soon", "500ms", "-1m"} {
		_, err = config(bad)
		require.ErrorContains(t, err, "LEADBRIDGE_RESCUE_AFTER", bad)
	}
	// serve exits 2 on it.
	r := run(t, map[string]string{"LEADBRIDGE_RESCUE_AFTER": "soon"}, "", "serve", "--mappings", "../mappings.example.yaml")
	require.Equal(t, 2, r.code, r.err)
	require.Contains(t, r.err, `LEADBRIDGE_RESCUE_AFTER: expected a Go duration of at least 1s such as 10s or 2m, got "soon"`)
}
