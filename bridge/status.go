package bridge

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/leadbridge/leadbridge/mappings"
)

// Status is the server's state a person should know about: what the
// console's overview warns of (product.md §6).
type Status struct {
	// DryRun is set when PARTNERO_API_KEY is not set.
	DryRun bool
	// AuthFailing maps the label of each Partnero key that Partnero
	// rejects (401/403) to when that started; never the key itself.
	AuthFailing map[string]time.Time
	// ReloadError is the last failed reload's error, "" when the last
	// load succeeded; ReloadFailedAt is when it failed.
	ReloadError    string
	ReloadFailedAt time.Time
	// MappingsLoadedAt and MappingsHash identify the mappings in force.
	MappingsLoadedAt time.Time
	MappingsHash     string
}

// Status reports dry-run, Partnero authentication and reload state.
func (s *Server) Status() Status {
	rt := s.reloads.current()
	st := Status{DryRun: s.cfg.APIKey.IsZero(), MappingsLoadedAt: rt.loaded, MappingsHash: rt.cfg.Hash}
	if re := s.reloads.lastError(); re != nil {
		st.ReloadError, st.ReloadFailedAt = re.err.Error(), re.at
	}
	s.deliverer.mu.Lock()
	st.AuthFailing = maps.Clone(s.deliverer.authFailing)
	s.deliverer.mu.Unlock()
	return st
}

// Mappings returns the mappings in force (they change on reload).
func (s *Server) Mappings() *mappings.Config { return s.currentMappings() }

// Replay re-maps stored events with the mappings in force and queues
// their undelivered leads again, as POST /admin/events/{id}/replay does
// (delivered ones too with force).
func (s *Server) Replay(ctx context.Context, ids []int64, force bool) (ReplayReport, error) {
	if _, ok := s.adminStore(); !ok {
		return ReplayReport{}, errors.New("this store cannot replay events")
	}
	return s.replayer().ReplayIDs(ctx, ids, force)
}
