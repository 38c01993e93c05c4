package bridge

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/providers"
	"github.com/leadbridge/leadbridge/store"
)

// ReplayStore is what replaying needs from the store.
type ReplayStore interface {
	GetEvent(ctx context.Context, id int64) (*store.Event, error)
	Requeue(ctx context.Context, eventID int64, leads []store.NewLead, force bool) (store.RequeueResult, error)
	EventIDs(ctx context.Context, f store.Filter) ([]int64, error)
}

// Replayer re-decodes and re-maps stored raw events with the current
// mappings and queues their undelivered leads again: the fix-and-replay
// loop of `leadbridge replay` and the admin API.
type Replayer struct {
	Store    ReplayStore
	Mappings *mappings.Config
	// APIKey is the default Partnero key; without it (and without a
	// source's own key) leads are recorded as dry_run again.
	APIKey mappings.Secret
	// KeyUnknown is set by a caller that cannot know the server's key
	// (the CLI runs without the server's environment): leads are queued,
	// and a server without a key records them as dry_run when it takes
	// them. Otherwise a replay run without PARTNERO_API_KEY in the shell
	// would turn the leads of a live server into dry_run.
	KeyUnknown bool
}

// ReplayReport sums up a replay.
type ReplayReport struct {
	Events int `json:"events"`
	store.RequeueResult
	// Captured counts events left as they were because their source has
	// no lead rules yet (nothing to map them with): not a failure.
	Captured int `json:"captured"`
	// CapturedSources names those sources, sorted.
	CapturedSources []string `json:"captured_sources,omitempty"`
	// Problems say why events or leads still fail, one line each.
	Problems []string `json:"problems"`
}

// ReplayIDs replays the given events; delivered leads are re-sent only
// with force.
func (r Replayer) ReplayIDs(ctx context.Context, ids []int64, force bool) (ReplayReport, error) {
	rep := ReplayReport{Problems: []string{}}
	for _, id := range ids {
		if err := r.replayOne(ctx, id, force, &rep); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				rep.Problems = append(rep.Problems, fmt.Sprintf("event %d: not found", id))
				continue
			}
			return rep, err
		}
	}
	return rep, nil
}

// ReplayMatching replays every event with status (and source, if set).
func (r Replayer) ReplayMatching(ctx context.Context, status, source string, force bool) (ReplayReport, error) {
	ids, err := r.Store.EventIDs(ctx, store.Filter{Status: status, Source: source})
	if err != nil {
		return ReplayReport{}, err
	}
	return r.ReplayIDs(ctx, ids, force)
}

func (r Replayer) replayOne(ctx context.Context, id int64, force bool, rep *ReplayReport) error {
	ev, err := r.Store.GetEvent(ctx, id)
	if err != nil {
		return err
	}
	rep.Events++
	src, ok := r.Mappings.Sources[ev.Source]
	if !ok {
		rep.Problems = append(rep.Problems, fmt.Sprintf("event %d: source %q is not in the mappings", id, ev.Source))
		rep.Failed++
		return nil
	}
	if src.Capture {
		// Still no lead rules: the event stays captured until they exist.
		rep.Captured++
		if !slices.Contains(rep.CapturedSources, src.Name) {
			rep.CapturedSources = append(rep.CapturedSources, src.Name)
			slices.Sort(rep.CapturedSources)
		}
		return nil
	}
	doc, err := providers.Decode(src.Provider, ev.ContentType, ev.Payload)
	if err != nil {
		rep.Problems = append(rep.Problems, fmt.Sprintf("event %d: payload: %v", id, err))
		rep.Failed++
		return nil
	}
	items := src.Apply(ev.Payload, string(doc))
	key := src.APIKey
	if key.IsZero() {
		key = r.APIKey
	}
	res, err := r.Store.Requeue(ctx, id, newLeads(items, key.IsZero() && !r.KeyUnknown), force)
	if err != nil {
		return fmt.Errorf("event %d: %w", id, err)
	}
	for _, it := range items {
		for _, p := range it.Problems {
			prefix := fmt.Sprintf("event %d", id)
			if src.Each != "" {
				prefix += fmt.Sprintf(" element %d", it.Index)
			}
			rep.Problems = append(rep.Problems, prefix+": "+p.String())
		}
	}
	rep.Queued += res.Queued
	rep.DryRun += res.DryRun
	rep.Failed += res.Failed
	rep.Ignored += res.Ignored
	rep.Delivered += res.Delivered
	rep.Duplicate += res.Duplicate
	return nil
}
