package notify

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/leadbridge/leadbridge/store"
)

// settle is how far behind the clock the cursor stays: a row is stamped
// with its time a moment before its transaction commits (and another
// instance's clock may be a little behind), so the newest moment is
// looked at only once it has settled.
const settle = 5 * time.Second

// attributionWindow is the window of the unattributed share.
const attributionWindow = time.Hour

// minLeads is the fewest leads of a window the unattributed share warns
// about: two organic leads out of three say nothing.
const minLeads = 5

// observation is what one check found in the store and in memory.
type observation struct {
	dead, failed    []store.SourceEvents
	auth            []store.AuthActivity
	backlog         []store.Backlog
	shares          []Share
	unattributedIDs map[string][]int64 // for the sources over the threshold
	reload          reloadState
}

// reloadState is the outcome of the latest mapping reload.
type reloadState struct {
	first    string // the first problem, cleaned; "" when the last reload succeeded
	problems int    // problems in all
	failures int    // failed reloads not yet counted into the state
}

// observe runs the queries of one check: what happened in (after, upTo]
// and what holds now.
func (n *Notifier) observe(ctx context.Context, after, upTo, now time.Time) (*observation, error) {
	obs := &observation{unattributedIDs: map[string][]int64{}}
	var err error
	if after.Before(upTo) {
		if obs.dead, err = n.store.DeadLeads(ctx, after, upTo, maxEventIDs); err != nil {
			return nil, err
		}
		if obs.failed, err = n.store.FailedEvents(ctx, after, upTo, maxEventIDs); err != nil {
			return nil, err
		}
		if obs.auth, err = n.store.AuthActivity(ctx, after, upTo); err != nil {
			return nil, err
		}
	}
	if obs.backlog, err = n.store.Backlogs(ctx, now.Add(-n.cfg.Backlog)); err != nil {
		return nil, err
	}
	since := now.Add(-attributionWindow)
	attr, err := n.store.Attributions(ctx, since)
	if err != nil {
		return nil, err
	}
	for _, a := range attr {
		s := Share{Source: a.Source, Leads: a.Leads, Unattributed: a.Unattributed}
		if a.Leads > 0 {
			s.Ratio = float64(a.Unattributed) / float64(a.Leads)
		}
		s.Warning = a.Leads >= minLeads && s.Ratio > n.cfg.Unattributed
		obs.shares = append(obs.shares, s)
		if s.Warning {
			if obs.unattributedIDs[a.Source], err = n.store.UnattributedEvents(ctx, a.Source, since, maxEventIDs); err != nil {
				return nil, err
			}
		}
	}
	return obs, nil
}

// plan folds an observation into the state and returns the messages due
// now: each kind and source at most once per Every, carrying what
// happened meanwhile.
func (n *Notifier) plan(st *state, obs *observation, now time.Time, red redactor) []Message {
	p := &planned{now: now, red: red}
	n.planEvents(st, obs, p)
	n.planAuth(st, obs, p)
	n.planConditions(st, obs, p)
	st.prune(now, n.cfg.Every)
	return p.msgs
}

// planned collects the messages of one check.
type planned struct {
	now  time.Time
	red  redactor
	msgs []Message
}

func (p *planned) add(kind, source string, count int, ids []int64, text string) {
	if ids == nil {
		ids = []int64{}
	}
	p.msgs = append(p.msgs, Message{Kind: kind, Source: source, Count: count, EventIDs: ids, At: p.now.UTC(), Text: p.red.clean(text, 4000)})
}

// src is a source name as a text shows it.
func (p *planned) src(s string) string { return p.red.clean(s, maxSourceLen) }

// planEvents counts dead leads and failed mappings as they happen and
// sends them when the window is open.
func (n *Notifier) planEvents(st *state, obs *observation, p *planned) {
	for _, d := range obs.dead {
		reasons := make([]string, len(d.Reasons))
		for i, r := range d.Reasons {
			reasons[i] = p.red.clean(r, maxReasonLen)
		}
		st.topic(KindLeadDead, d.Source).add(d.Count, d.EventIDs, reasons)
	}
	for _, f := range obs.failed {
		st.topic(KindMappingFailed, f.Source).add(f.Count, f.EventIDs, nil)
	}
	for _, kind := range []string{KindLeadDead, KindMappingFailed} {
		topics := st.existing(kind)
		for _, source := range slices.Sorted(maps.Keys(topics)) {
			t := topics[source]
			if t.Count == 0 || !t.due(p.now, n.cfg.Every) {
				continue
			}
			if kind == KindLeadDead {
				p.add(kind, source, t.Count, t.EventIDs, leadDeadText(p.src(source), t.Count, t.EventIDs, t.Reasons))
			} else {
				p.add(kind, source, t.Count, t.EventIDs, mappingFailedText(p.src(source), t.Count, t.EventIDs))
			}
			t.sent(p.now)
		}
	}
}

// planAuth follows each source's key: the latest attempt Partnero judged
// tells whether it is refused. auth_failing is sent once when refusals
// start, auth_recovered once when a refused key works again; a flap
// within Every waits for the window and is dropped if it healed meanwhile.
func (n *Notifier) planAuth(st *state, obs *observation, p *planned) {
	for _, a := range obs.auth {
		t := st.topic(KindAuthFailing, a.Source)
		t.Count += a.Refused
		if a.StatusCode > 0 {
			t.Status = a.StatusCode
		}
		switch {
		case !a.LastRefused.IsZero() && a.LastRefused.After(a.LastAccepted):
			t.Holds = true
		case !a.LastAccepted.IsZero():
			t.Holds = false
		}
	}
	topics := st.existing(KindAuthFailing)
	for _, source := range slices.Sorted(maps.Keys(topics)) {
		t := topics[source]
		switch {
		case t.Holds && !t.Told && t.due(p.now, n.cfg.Every):
			p.add(KindAuthFailing, source, t.Count, nil, authFailingText(p.src(source), t.Count, t.Status))
			t.sent(p.now)
			t.Told = true
		case !t.Holds && t.Told:
			r := st.topic(KindAuthRecovered, source)
			if r.due(p.now, n.cfg.Every) {
				p.add(KindAuthRecovered, source, 0, nil, authRecoveredText(p.src(source)))
				r.sent(p.now)
				t.Told, t.Count, t.Status = false, 0, 0
			}
		case !t.Holds && !t.Told:
			t.Count, t.Status = 0, 0 // refused and healed before anyone was told
		}
	}
}

// planConditions sends a backlog, unattributed leads and a failed reload
// when they start to hold, and again only after they stopped in between.
func (n *Notifier) planConditions(st *state, obs *observation, p *planned) {
	every := n.cfg.Every
	holding := map[string]bool{}
	for _, b := range obs.backlog {
		holding[b.Source] = true
		if t, send := st.condition(KindBacklog, b.Source, true, p.now, every); send {
			p.add(KindBacklog, b.Source, b.Waiting, b.EventIDs, backlogText(p.src(b.Source), b.Waiting, n.cfg.Backlog, b.Oldest, b.EventIDs))
			t.sent(p.now)
		}
	}
	st.release(KindBacklog, holding, p.now, every)

	holding = map[string]bool{}
	for _, s := range obs.shares {
		if !s.Warning {
			continue
		}
		holding[s.Source] = true
		if t, send := st.condition(KindUnattributed, s.Source, true, p.now, every); send {
			ids := obs.unattributedIDs[s.Source]
			shown := s
			shown.Source = p.src(s.Source)
			p.add(KindUnattributed, s.Source, s.Unattributed, ids, unattributedText(shown, attributionWindow, ids))
			t.sent(p.now)
		}
	}
	st.release(KindUnattributed, holding, p.now, every)

	r := obs.reload
	t, send := st.condition(KindReloadFailed, "", r.first != "", p.now, every)
	t.Count += r.failures
	if send {
		p.add(KindReloadFailed, "", max(t.Count, 1), nil, reloadFailedText(r.first, r.problems))
		t.sent(p.now)
	}
}

// condition records whether a condition holds for a kind and source and
// reports whether to send: it started holding (or held on while the
// window was closed) and nobody was told yet.
func (st *state) condition(kind, source string, holds bool, now time.Time, every time.Duration) (*topic, bool) {
	t := st.topic(kind, source)
	t.Holds = holds
	if !holds {
		t.Told, t.Count = false, 0
		return t, false
	}
	if t.Told || !t.due(now, every) {
		return t, false
	}
	t.Told = true
	return t, true
}

// release marks the kind's conditions that no longer hold.
func (st *state) release(kind string, holding map[string]bool, now time.Time, every time.Duration) {
	for source := range st.existing(kind) {
		if !holding[source] {
			st.condition(kind, source, false, now, every)
		}
	}
}

// firstProblem splits a reload error into its first line and the number
// of problems (a mappings.LoadError has one per line).
func firstProblem(err error) (string, int) {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	return lines[0], len(lines)
}
