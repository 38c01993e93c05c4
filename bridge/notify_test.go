package bridge

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/notify"
	"github.com/leadbridge/leadbridge/store"
)

type shares []notify.Share

func (s shares) Unattributed() []notify.Share { return s }

// TestNotifierHooks: the server tells OnReload every reload's outcome
// (also an unchanged one, which ends a failure), shows the unattributed
// share in /readyz without failing it, and serves extra collectors.
func TestNotifierHooks(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sources.yaml")
	require.NoError(t, os.WriteFile(file, []byte(testMappings), 0o600))
	load := func() (*mappings.Config, error) { return mappings.Loader{}.LoadPath(dir) }
	m, err := load()
	require.NoError(t, err)
	st, err := store.Open(context.Background(), store.Config{DSN: filepath.Join(t.TempDir(), "lb.db")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close(context.Background()) })

	var mu sync.Mutex
	var outcomes []error
	extra := prometheus.NewGauge(prometheus.GaugeOpts{Name: "leadbridge_test_extra", Help: "A collector from Deps."})
	extra.Set(7)
	srv, err := New(Config{BaseURL: "http://127.0.0.1:1"}, Deps{Store: st, Mappings: m, Load: load,
		OnReload:    func(err error) { mu.Lock(); outcomes = append(outcomes, err); mu.Unlock() },
		Attribution: shares{{Source: "form", Leads: 20, Unattributed: 20, Ratio: 1, Warning: true}},
		Collectors:  []prometheus.Collector{extra}})
	require.NoError(t, err)

	_, err = srv.Reload() // unchanged
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, []byte("sources: [\n"), 0o600))
	_, err = srv.Reload()
	require.Error(t, err)
	require.NoError(t, os.WriteFile(file, []byte(testMappings), 0o600))
	_, err = srv.Reload() // back to what serves: unchanged, and a success
	require.NoError(t, err)
	mu.Lock()
	require.Len(t, outcomes, 3)
	require.NoError(t, outcomes[0])
	require.Error(t, outcomes[1])
	require.NoError(t, outcomes[2])
	mu.Unlock()

	rec := httptest.NewRecorder()
	srv.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	require.Equal(t, http.StatusOK, rec.Code, "a warning, not a failure")
	var body struct {
		Unattributed []notify.Share `json:"unattributed"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, []notify.Share{{Source: "form", Leads: 20, Unattributed: 20, Ratio: 1, Warning: true}}, body.Unattributed)
	require.Contains(t, rec.Body.String(), `"unattributed":[{"source":"form","leads":20,"unattributed":20,"share":1,"warning":true}]`)

	rec = httptest.NewRecorder()
	srv.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.True(t, strings.Contains(rec.Body.String(), "\nleadbridge_test_extra 7\n"), rec.Body.String())
}
