package bridge

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/mappings"
)

func TestSettler(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	st := settler{debounce: 500 * time.Millisecond, maxWait: 2 * time.Second}
	require.Equal(t, t0.Add(500*time.Millisecond), st.change(t0), "a lone change settles after the debounce")
	require.Equal(t, t0.Add(900*time.Millisecond), st.change(t0.Add(400*time.Millisecond)), "another change restarts the debounce")
	// Changes every 300 ms forever: the reload still comes 2 s after the first.
	for at := 700 * time.Millisecond; at < 5*time.Second; at += 300 * time.Millisecond {
		due := st.change(t0.Add(at))
		require.False(t, due.After(t0.Add(2*time.Second)), "at %s: due %s", at, due.Sub(t0))
	}
	st.reset()
	t1 := t0.Add(10 * time.Second)
	require.Equal(t, t1.Add(500*time.Millisecond), st.change(t1), "after a reload the next burst starts afresh")
}

func TestMappingFileFilter(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mappings.yaml")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o600))
	others := []string{"leadbridge.db", "leadbridge.db-wal", "leadbridge.db-shm", "leadbridge.log", ".mappings.yaml.swp", "mappings.yaml~", "4913", ".hidden.yaml"}

	d, relevant := mappingFileFilter(file)
	require.Equal(t, dir, d, "a file is watched through its directory")
	require.True(t, relevant(file))
	for _, o := range append(others, "other.yaml", "more.yml") {
		require.False(t, relevant(filepath.Join(dir, o)), o)
	}

	d, relevant = mappingFileFilter(dir)
	require.Equal(t, dir, d)
	for _, y := range []string{"mappings.yaml", "other.yaml", "more.yml"} {
		require.True(t, relevant(filepath.Join(dir, y)), y)
	}
	for _, o := range others {
		require.False(t, relevant(filepath.Join(dir, o)), o)
	}
}

// TestWatcherIgnoresBusyNeighbours: the database, its WAL and a log file
// in the mapping directory change all the time; an edit of the mapping
// file is still loaded within the bounded settle time.
func TestWatcherIgnoresBusyNeighbours(t *testing.T) {
	b := setup(t, withReload(t))
	b.startWatch(t) // debounce 50 ms, so settled within 200 ms at most
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		// A writer that never pauses long enough for a debounce.
		wal, err := os.Create(filepath.Join(b.mapDir, "leadbridge.db-wal"))
		if err != nil {
			return
		}
		defer wal.Close()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				_, _ = wal.WriteString("page\n")
				_ = os.WriteFile(filepath.Join(b.mapDir, "leadbridge.log"), []byte("{}\n"), 0o600)
			}
		}
	}()
	defer func() { cancel(); <-done }()

	edited := strings.Replace(testMappings, "  form:\n", "  form-edited:\n", 1)
	start := time.Now()
	writeMappings(t, b, []byte(edited))
	require.Eventually(t, func() bool { return b.srv.currentMappings().Sources["form-edited"] != nil }, 5*time.Second, 10*time.Millisecond,
		"the edit is loaded while the neighbours keep changing")
	t.Logf("loaded %s after the edit", time.Since(start))
	require.NotContains(t, b.logs.String(), "leadbridge.db-wal", "changes to other files are not even logged")
}

// TestReloadErrorClearsWhenTheBadEditIsReverted: the exact previous
// content back is a successful load (unchanged), which clears the alert,
// through Reload (SIGHUP, the watcher) and the admin API alike.
func TestReloadErrorClearsWhenTheBadEditIsReverted(t *testing.T) {
	for _, via := range []string{"reload", "admin"} {
		t.Run(via, func(t *testing.T) {
			b := setup(t, withReload(t), withConfig(func(c *Config) { c.AdminToken = mappings.NewSecret(adminToken) }))
			writeMappings(t, b, []byte("sources: [broken"))
			_, err := b.srv.Reload()
			require.Error(t, err)
			require.Contains(t, b.do(t, b.srv.AdminHandler(), httpGet("/metrics")).Raw, "leadbridge_config_last_reload_successful 0")
			require.Contains(t, b.do(t, b.srv.AdminHandler(), httpGet("/readyz")).Raw, "last_reload_error")

			writeMappings(t, b, []byte(testMappings)) // the exact previous content
			if via == "reload" {
				changed, err := b.srv.Reload()
				require.NoError(t, err)
				require.False(t, changed)
			} else {
				r := b.admin(t, "POST", "/admin/reload", adminToken)
				require.Equal(t, 200, r.Code, r.Raw)
				require.Equal(t, false, r.Body["changed"])
			}
			require.Contains(t, b.do(t, b.srv.AdminHandler(), httpGet("/metrics")).Raw, "leadbridge_config_last_reload_successful 1")
			require.NotContains(t, b.do(t, b.srv.AdminHandler(), httpGet("/readyz")).Raw, "last_reload_error")
		})
	}
}
