package bridge

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/partnero/partnerotest"
	"github.com/leadbridge/leadbridge/store"
)

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// writeMappings replaces the mapping file the way editors do: write a new
// file and rename it over the old one.
func writeMappings(t *testing.T, b *bundle, content []byte) {
	t.Helper()
	tmp := filepath.Join(b.mapDir, ".sources.yaml.tmp")
	require.NoError(t, os.WriteFile(tmp, content, 0o600))
	require.NoError(t, os.Rename(tmp, filepath.Join(b.mapDir, "sources.yaml")))
}

func (b *bundle) startWatch(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	require.NoError(t, b.srv.reloads.watch(ctx, b.mapDir, 50*time.Millisecond))
}

// TestFixAndReplay is the loop the operating surface exists for: a
// mapping that fails (422), a fixed file picked up by the watcher, a
// replay, and the lead delivered.
func TestFixAndReplay(t *testing.T) {
	b := setup(t, withReload(t))
	b.startWatch(t)
	b.startDelivery(t)
	r := b.postForm(t, "form", `{"id":"1","name":"Alice","mail":"alice@x.io","ref":"ref_1"}`)
	require.Equal(t, 422, r.Code)

	fixed := strings.Replace(testMappings, "      email: email\n      partner: {key: ref}\n", "      email: mail\n      partner: {key: ref}\n", 1)
	require.NotEqual(t, testMappings, fixed)
	writeMappings(t, b, []byte(fixed))
	waitReloaded(t, b)

	rep, err := b.srv.replayer().ReplayIDs(context.Background(), []int64{int64(r.Body["id"].(float64))}, false)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Queued)
	ev := b.waitEvent(t, r.Body["id"], store.StatusDelivered)
	require.Equal(t, []int{201}, codes(ev.LeadList[0].History))
	leads := b.fake.Leads()
	require.Len(t, leads, 1)
	require.Equal(t, "alice@x.io", leads[0].Email)
	// The provider's retry of the event is still a duplicate.
	require.Equal(t, "duplicate", b.postForm(t, "form", `{"id":"1","name":"Alice","mail":"alice@x.io","ref":"ref_1"}`).Body["status"])
}

// waitReloaded waits until the server serves what the mapping directory
// now holds (the watcher has reloaded it).
func waitReloaded(t *testing.T, b *bundle) {
	t.Helper()
	want, err := mappings.Loader{}.LoadPath(b.mapDir)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return b.srv.currentMappings().Hash == want.Hash }, 5*time.Second, 20*time.Millisecond,
		"the watcher reloads the changed files")
}

func TestReplayBatchResendsOnlyUndelivered(t *testing.T) {
	b := setup(t, withConfig(func(c *Config) { c.Workers = 1 }))
	b.fake.Script(partnerotest.ValidationFailed("email", "The email has already been taken."))
	b.startDelivery(t)
	r := b.postForm(t, "batch", `{"items":[{"id":"a","name":"A","email":"a@x.io","ref":"p"},{"id":"b","name":"B","email":"b@x.io","ref":"p"}]}`)
	ev := b.waitEvent(t, r.Body["id"], store.StatusDead)
	require.Eventually(t, func() bool { return len(b.fake.Leads()) == 1 }, 10*time.Second, 10*time.Millisecond)
	delivered := b.fake.Leads()[0].Email

	rep, err := b.srv.replayer().ReplayIDs(context.Background(), []int64{ev.ID}, false)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Queued)
	require.Equal(t, 1, rep.Delivered, "the delivered one is left alone")
	b.waitEvent(t, r.Body["id"], store.StatusDelivered)
	leads := b.fake.Leads()
	require.Len(t, leads, 2)
	require.NotEqual(t, delivered, leads[1].Email, "only the dead lead was sent again")

	// --force re-sends delivered ones too.
	rep, err = b.srv.replayer().ReplayIDs(context.Background(), []int64{ev.ID}, true)
	require.NoError(t, err)
	require.Equal(t, 2, rep.Queued)
	require.Eventually(t, func() bool { return len(b.fake.Leads()) == 4 }, 10*time.Second, 10*time.Millisecond)
}

func TestInvalidReloadKeepsOldMappings(t *testing.T) {
	b := setup(t, withReload(t))
	before := b.srv.currentMappings().Hash
	writeMappings(t, b, []byte("sources:\n  typeform:\n    provider: typeform\n    secret: ${UNSET_FOR_TEST}\n"))
	changed, err := b.srv.Reload()
	require.False(t, changed)
	require.ErrorContains(t, err, "sources.yaml:4:13: source \"typeform\": secret: environment variable UNSET_FOR_TEST is not set")
	require.Equal(t, before, b.srv.currentMappings().Hash)
	require.Equal(t, 202, b.postTypeform(t, sample(t, "typeform.json")).Code)
	require.Contains(t, b.logs.String(), "mapping reload failed; the previous mappings stay in force")
	require.Contains(t, b.logs.String(), "sources.yaml:4:13")
	r := b.do(t, b.srv.AdminHandler(), httpGet("/metrics"))
	require.Contains(t, r.Raw, "leadbridge_config_last_reload_successful 0")
	r = b.do(t, b.srv.AdminHandler(), httpGet("/readyz"))
	require.Equal(t, 200, r.Code)
	require.Contains(t, r.Body["mappings"].(map[string]any)["last_reload_error"], "UNSET_FOR_TEST")
	// Unchanged content is not a reload.
	writeMappings(t, b, []byte(testMappings))
	changed, err = b.srv.Reload()
	require.NoError(t, err)
	require.False(t, changed)
	require.Contains(t, b.do(t, b.srv.AdminHandler(), httpGet("/metrics")).Raw, "leadbridge_config_last_reload_successful 1")
}

func TestRemovedSourceAnswers503For24Hours(t *testing.T) {
	b := setup(t, withReload(t))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.clock.Set(start)
	without := strings.Replace(testMappings, "  form:\n", "  form-renamed:\n", 1)
	writeMappings(t, b, []byte(without))
	changed, err := b.srv.Reload()
	require.NoError(t, err)
	require.True(t, changed)
	r := b.postForm(t, "form", `{"id":"1"}`)
	require.Equal(t, 503, r.Code)
	require.Contains(t, r.Body["error"], "removed by a mapping reload")
	b.clock.Set(start.Add(23 * time.Hour))
	require.Equal(t, 503, b.postForm(t, "form", `{"id":"1"}`).Code)
	b.clock.Set(start.Add(24*time.Hour + time.Second))
	require.Equal(t, 400, b.postForm(t, "form", `{"id":"1"}`).Code)
	// Restored: served again.
	writeMappings(t, b, []byte(testMappings))
	_, err = b.srv.Reload()
	require.NoError(t, err)
	require.Equal(t, 200, b.postForm(t, "form", `{"id":"1"}`).Code)
}

// TestConcurrentRequestsDuringReloads reloads 100 times, alternating two
// mappings, while requests flow: each answer must be the one of the old or
// the new mapping, never an error (run with -race).
func TestConcurrentRequestsDuringReloads(t *testing.T) {
	b := setup(t, withReload(t))
	other := strings.Replace(testMappings, "      name: name\n      email: email\n      partner: {key: ref}\n", "      name: [name, n]\n      email: [email, e]\n      partner: {key: [ref, r]}\n", 1)
	require.NotEqual(t, testMappings, other)
	var wg sync.WaitGroup
	var bad atomic.Int64
	stop := make(chan struct{})
	var n atomic.Int64
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := n.Add(1)
				r := b.postForm(t, "form", fmt.Sprintf(`{"id":"%d","name":"A","email":"a@x.io","ref":"r"}`, i))
				if r.Code != 202 {
					bad.Add(1)
				}
			}
		}()
	}
	for i := 0; i < 100; i++ {
		content := testMappings
		if i%2 == 0 {
			content = other
		}
		writeMappings(t, b, []byte(content))
		_, err := b.srv.Reload()
		require.NoError(t, err)
	}
	close(stop)
	wg.Wait()
	require.Zero(t, bad.Load(), "every request answered 202 across %d requests", n.Load())
	require.Greater(t, n.Load(), int64(50))
}

func TestWatcherPicksUpNewFilesAndRemovals(t *testing.T) {
	b := setup(t, withReload(t))
	b.startWatch(t)
	extra := "sources:\n  extra:\n    provider: generic\n    token: form-token\n    lead: {name: name, email: email, partner: {key: ref}}\n"
	require.NoError(t, os.WriteFile(filepath.Join(b.mapDir, "extra.yaml"), []byte(extra), 0o600))
	require.Eventually(t, func() bool { return b.srv.currentMappings().Sources["extra"] != nil }, 5*time.Second, 20*time.Millisecond)
	require.Equal(t, 200, b.postForm(t, "extra", `{"name":"x"}`).Code)
	require.NoError(t, os.Remove(filepath.Join(b.mapDir, "extra.yaml")))
	require.Eventually(t, func() bool { return b.srv.currentMappings().Sources["extra"] == nil }, 5*time.Second, 20*time.Millisecond)
	require.Equal(t, 503, b.postForm(t, "extra", `{"name":"x"}`).Code)
}
