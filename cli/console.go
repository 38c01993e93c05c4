package cli

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/leadbridge/leadbridge/bridge"
	"github.com/leadbridge/leadbridge/console"
	"github.com/leadbridge/leadbridge/draft"
	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/store"
)

// consoleFor builds the web console for serve's admin listener: nil when
// LEADBRIDGE_ADMIN_TOKEN is not set or there is no admin listener (the
// console then does not exist, like the admin API). The console reads the
// server it is mounted on, which exists only after bridge.New: bind gives
// it that server before anything is served.
func consoleFor(cfg bridge.Config, st *store.Store, log *slog.Logger, o IO) (h http.Handler, bind func(*bridge.Server)) {
	if cfg.AdminToken.IsZero() || cfg.AdminAddr == "" {
		return nil, func(*bridge.Server) {}
	}
	ref := &serverRef{}
	h = console.New(console.Config{Token: cfg.AdminToken, PublicAddr: cfg.Addr, MaxPayload: cfg.MaxBody, LookupEnv: o.lookupEnv()},
		console.Deps{Store: st, Mappings: ref.Mappings, Status: ref, Replayer: ref, Logger: log, Draft: ref.draft(st)})
	return h, func(s *bridge.Server) { ref.srv = s }
}

// draft drafts a source from a stored event, as `leadbridge init` does,
// with the mappings in force (the event's source gives provider and auth).
func (r *serverRef) draft(st *store.Store) func(ctx context.Context, eventID int64, name string) (string, error) {
	return func(ctx context.Context, eventID int64, name string) (string, error) {
		ev, err := st.GetEvent(ctx, eventID)
		if err != nil {
			return "", err
		}
		res, err := draft.Source(draft.Input{Name: name, SourceName: ev.Source, Source: r.Mappings().Sources[ev.Source],
			ContentType: ev.ContentType, Payload: ev.Payload})
		if err != nil {
			return "", err
		}
		return string(res.YAML), nil
	}
}

// serverRef forwards to the server once bound.
type serverRef struct{ srv *bridge.Server }

func (r *serverRef) Status() bridge.Status      { return r.srv.Status() }
func (r *serverRef) Mappings() *mappings.Config { return r.srv.Mappings() }
func (r *serverRef) Replay(ctx context.Context, ids []int64, force bool) (bridge.ReplayReport, error) {
	return r.srv.Replay(ctx, ids, force)
}
