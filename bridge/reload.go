package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/leadbridge/leadbridge/mappings"
)

// reloader coordinates mapping reloads, apart from the server's intake,
// delivery and API (as Alertmanager's config coordinator is): it loads
// and validates the files, swaps the compiled runtime in only when all of
// them are valid, keeps the last error and the reload metrics, remembers
// the sources a reload removed, and tells its subscriber every outcome.
type reloader struct {
	load     func() (*mappings.Config, error) // nil: reloading is off
	now      func() time.Time
	log      *slog.Logger
	metrics  *metrics
	onReload func(error) // nil: nobody listens

	mu      sync.Mutex // one reload at a time
	rt      atomic.Pointer[runtime]
	lastErr atomic.Pointer[reloadError]

	removedMu sync.Mutex
	removed   map[string]time.Time // sources dropped by a reload, and when
}

// newReloader starts with the compiled first mappings.
func newReloader(first *runtime, load func() (*mappings.Config, error), onReload func(error), now func() time.Time, log *slog.Logger, m *metrics) *reloader {
	r := &reloader{load: load, now: now, log: log, metrics: m, onReload: onReload, removed: map[string]time.Time{}}
	r.rt.Store(first)
	m.reloadOK.Set(1)
	m.reloadTime.Set(float64(now().Unix()))
	m.configInfo.WithLabelValues(first.cfg.Hash).Set(float64(len(first.cfg.Sources)))
	return r
}

// current is the runtime in force.
func (r *reloader) current() *runtime { return r.rt.Load() }

// lastError is the error of the last reload, nil when it succeeded.
func (r *reloader) lastError() *reloadError { return r.lastErr.Load() }

// Reload loads and validates the mapping files and, only when all of them
// are valid, swaps them in at once: a request sees the old configuration
// or the new one, never a mix. On failure the previous mappings stay in
// force and the error (every problem with file:line:col) is returned.
// It reports whether anything changed.
func (s *Server) Reload() (changed bool, err error) { return s.reloads.reload() }

func (r *reloader) reload() (changed bool, err error) {
	if r.load == nil {
		return false, errors.New("reload: no mapping loader configured")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.onReload != nil {
		defer func() { r.onReload(err) }()
	}
	cfg, err := r.load()
	if err == nil && cfg.Hash == r.current().cfg.Hash {
		// Unchanged, e.g. a bad edit reverted: still a successful load,
		// which clears the alert of the failed one.
		r.succeeded()
		return false, nil
	}
	var rt *runtime
	if err == nil {
		rt, err = compile(cfg, r.now())
	}
	if err != nil {
		r.metrics.reloadOK.Set(0)
		r.lastErr.Store(&reloadError{at: r.now(), err: err})
		r.log.Error("mapping reload failed; the previous mappings stay in force", "err", err.Error())
		return false, err
	}
	old := r.rt.Swap(rt)
	r.noteRemoved(old, rt)
	r.succeeded()
	r.metrics.configInfo.Reset()
	r.metrics.configInfo.WithLabelValues(cfg.Hash).Set(float64(len(cfg.Sources)))
	r.log.Info("mappings reloaded", "sources", len(cfg.Sources), "hash", cfg.Hash, "files", len(cfg.Files))
	return true, nil
}

// succeeded clears a previous reload error: any successful load does,
// changed or not.
func (r *reloader) succeeded() {
	if r.lastErr.Swap(nil) != nil {
		r.log.Info("mappings load again; the previous reload error is cleared")
	}
	r.metrics.reloadOK.Set(1)
	r.metrics.reloadTime.Set(float64(r.now().Unix()))
}

type reloadError struct {
	at  time.Time
	err error
}

// noteRemoved remembers sources a reload dropped: for 24 hours they answer
// 503 (the provider retries; the rename may be a mistake), then 400.
func (r *reloader) noteRemoved(old, cur *runtime) {
	r.removedMu.Lock()
	defer r.removedMu.Unlock()
	var gone []string
	for name := range old.sources {
		if _, ok := cur.sources[name]; !ok {
			r.removed[name] = r.now()
			gone = append(gone, name)
		}
	}
	for name := range cur.sources {
		delete(r.removed, name)
	}
	if len(gone) > 0 {
		sort.Strings(gone)
		r.log.Warn("sources removed by the reload answer 503 for 24 hours, then 400", "sources", gone)
	}
}

// recentlyRemoved reports whether a reload removed the source within the
// last 24 hours (answered 503 so that the provider retries).
func (r *reloader) recentlyRemoved(name string) bool {
	r.removedMu.Lock()
	defer r.removedMu.Unlock()
	at, ok := r.removed[name]
	return ok && r.now().Sub(at) < 24*time.Hour
}

// watch reloads when the mapping files change. It watches the directory,
// not the files: editors and `git pull` replace files (a new inode the
// old watch would not see), and files come and go in a mapping directory.
// Only changes to the mapping files count (see mappingFileFilter): the
// database, its WAL or a log file beside them change all the time.
// Changes settle (an editor's save is several events) for debounce, but
// a reload happens at most maxSettle after the first change even while
// they keep coming.
func (r *reloader) watch(ctx context.Context, path string, debounce time.Duration) error {
	dir, relevant := mappingFileFilter(path)
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	}
	if err := w.Add(dir); err != nil {
		w.Close()
		return fmt.Errorf("watch %s: %w", dir, err)
	}
	go func() {
		defer w.Close()
		st := settler{debounce: debounce, maxWait: 4 * debounce}
		timer := time.NewTimer(time.Hour)
		timer.Stop()
		for {
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if !relevant(ev.Name) {
					continue
				}
				r.log.Debug("mapping file changed", "file", ev.Name, "op", ev.Op.String())
				now := time.Now()
				timer.Reset(st.change(now).Sub(now))
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				r.log.Warn("watching mappings", "err", err)
			case <-timer.C:
				st.reset()
				// Failures are logged by Reload; unchanged content is a no-op.
				_, _ = r.reload()
			}
		}
	}()
	return nil
}

// mappingFileFilter returns the directory to watch for path (a mapping
// file, or a directory of them) and whether a changed name is one of the
// mapping files: the file itself, or a *.yaml / *.yml that is not hidden
// in the directory (the files mappings.LoadPath reads). A rename onto a
// mapping file reports its name, so it counts.
func mappingFileFilter(path string) (dir string, relevant func(name string) bool) {
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		base := filepath.Base(path)
		return filepath.Dir(path), func(name string) bool { return filepath.Base(name) == base }
	}
	return path, func(name string) bool {
		base := filepath.Base(name)
		ext := filepath.Ext(base)
		return !strings.HasPrefix(base, ".") && (ext == ".yaml" || ext == ".yml")
	}
}

// settler decides when a burst of changes has settled: debounce after
// the last change, but no later than maxWait after the first one, so that
// a file rewritten every few hundred milliseconds still reloads.
type settler struct {
	debounce, maxWait time.Duration
	first             time.Time // zero: no change pending
}

// change records a change at now and returns when to reload.
func (st *settler) change(now time.Time) time.Time {
	if st.first.IsZero() {
		st.first = now
	}
	return minTime(now.Add(st.debounce), st.first.Add(st.maxWait))
}

// reset forgets the pending changes once they are reloaded.
func (st *settler) reset() { st.first = time.Time{} }

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// currentMappings returns the mappings in force.
func (s *Server) currentMappings() *mappings.Config { return s.reloads.current().cfg }
