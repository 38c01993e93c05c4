package bridge

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/leadbridge/leadbridge/mappings"
)

// Reload loads and validates the mapping files and, only when all of them
// are valid, swaps them in at once: a request sees the old configuration
// or the new one, never a mix. On failure the previous mappings stay in
// force and the error (every problem with file:line:col) is returned.
// It reports whether anything changed.
func (s *Server) Reload() (changed bool, err error) {
	if s.load == nil {
		return false, errors.New("reload: no mapping loader configured")
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if s.onReload != nil {
		defer func() { s.onReload(err) }()
	}
	cfg, err := s.load()
	if err == nil && cfg.Hash == s.rt.Load().cfg.Hash {
		// Unchanged, e.g. a bad edit reverted: still a successful load,
		// which clears the alert of the failed one.
		s.reloadSucceeded()
		return false, nil
	}
	var rt *runtime
	if err == nil {
		rt, err = compile(cfg, s.now())
	}
	if err != nil {
		s.metrics.reloadOK.Set(0)
		s.reloadErr.Store(&reloadError{at: s.now(), err: err})
		s.log.Error("mapping reload failed; the previous mappings stay in force", "err", err.Error())
		return false, err
	}
	old := s.rt.Swap(rt)
	s.noteRemoved(old, rt)
	s.reloadSucceeded()
	s.metrics.configInfo.Reset()
	s.metrics.configInfo.WithLabelValues(cfg.Hash).Set(float64(len(cfg.Sources)))
	s.log.Info("mappings reloaded", "sources", len(cfg.Sources), "hash", cfg.Hash, "files", len(cfg.Files))
	return true, nil
}

// reloadSucceeded clears a previous reload error: any successful load
// does, changed or not.
func (s *Server) reloadSucceeded() {
	if s.reloadErr.Swap(nil) != nil {
		s.log.Info("mappings load again; the previous reload error is cleared")
	}
	s.metrics.reloadOK.Set(1)
	s.metrics.reloadTime.Set(float64(s.now().Unix()))
}

type reloadError struct {
	at  time.Time
	err error
}

// noteRemoved remembers sources a reload dropped: for 24 hours they answer
// 503 (the provider retries; the rename may be a mistake), then 400.
func (s *Server) noteRemoved(old, cur *runtime) {
	s.removedMu.Lock()
	defer s.removedMu.Unlock()
	var gone []string
	for name := range old.sources {
		if _, ok := cur.sources[name]; !ok {
			s.removed[name] = s.now()
			gone = append(gone, name)
		}
	}
	for name := range cur.sources {
		delete(s.removed, name)
	}
	if len(gone) > 0 {
		sort.Strings(gone)
		s.log.Warn("sources removed by the reload answer 503 for 24 hours, then 400", "sources", gone)
	}
}

// watch reloads when the mapping files change. It watches the directory,
// not the files: editors and `git pull` replace files (a new inode the
// old watch would not see), and files come and go in a mapping directory.
// Only changes to the mapping files count (see mappingFileFilter): the
// database, its WAL or a log file beside them change all the time.
// Changes settle (an editor's save is several events) for debounce, but
// a reload happens at most maxSettle after the first change even while
// they keep coming.
func (s *Server) watch(ctx context.Context, path string, debounce time.Duration) error {
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
				s.log.Debug("mapping file changed", "file", ev.Name, "op", ev.Op.String())
				now := time.Now()
				timer.Reset(st.change(now).Sub(now))
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				s.log.Warn("watching mappings", "err", err)
			case <-timer.C:
				st.reset()
				// Failures are logged by Reload; unchanged content is a no-op.
				_, _ = s.Reload()
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
func (s *Server) currentMappings() *mappings.Config { return s.rt.Load().cfg }
