package bridge

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
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
	s.reloadErr.Store(nil)
	s.noteRemoved(old, rt)
	s.metrics.reloadOK.Set(1)
	s.metrics.reloadTime.Set(float64(s.now().Unix()))
	s.metrics.configInfo.Reset()
	s.metrics.configInfo.WithLabelValues(cfg.Hash).Set(float64(len(cfg.Sources)))
	s.log.Info("mappings reloaded", "sources", len(cfg.Sources), "hash", cfg.Hash, "files", len(cfg.Files))
	return true, nil
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
// Events are debounced: an editor's save is several of them.
func (s *Server) watch(ctx context.Context, path string, debounce time.Duration) error {
	dir := path
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		dir = filepath.Dir(path)
	}
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
		var timer *time.Timer
		var fire <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				s.log.Debug("mapping directory changed", "file", ev.Name, "op", ev.Op.String())
				if timer == nil {
					timer = time.NewTimer(debounce)
				} else {
					timer.Reset(debounce)
				}
				fire = timer.C
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				s.log.Warn("watching mappings", "err", err)
			case <-fire:
				fire = nil
				// Failures are logged by Reload; unchanged content is a no-op.
				_, _ = s.Reload()
			}
		}
	}()
	return nil
}

// currentMappings returns the mappings in force.
func (s *Server) currentMappings() *mappings.Config { return s.rt.Load().cfg }
