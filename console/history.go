package console

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/providers"
	"github.com/leadbridge/leadbridge/store"
)

// The history diff: how the stored events of a source would map with the
// edited YAML compared with the mappings in force, so that a fix for one
// payload is seen not to break the others.

const (
	// historyEvents and historyBytes bound the comparison: the newest
	// events of the source, within a memory budget.
	historyEvents = 200
	historyBytes  = 16 << 20
	// historyExamples is how many changed events are shown.
	historyExamples = 3
	// historyTTL is how long the decoded events of a source are reused
	// while its YAML is being edited: a keystroke then costs the edited
	// mapping alone, not a database read and 200 decodes.
	historyTTL = 20 * time.Second
)

type history struct {
	Source   string
	Compared int  // events compared
	Limited  bool // the source has more stored events than were compared
	Changed  int  // events that would map differently
	// InForce is where the source stands in the mappings in force
	// (inForceMaps, inForceCaptures or inForceMissing): unless it maps,
	// every event the edited YAML maps maps "differently".
	InForce  string
	Examples []historyExample
	AsOf     time.Time // when the stored events were read
}

type historyExample struct {
	EventID       int64
	Status        string // as stored
	Before, After string // what each mapping makes of the event
}

// outcome is what one mapping makes of one event: key compares (the
// requests that would be sent, or why none), text shows.
type outcome struct{ key, text string }

// historyCache holds the stored events of the source compared last,
// decoded for one provider, with what the mappings in force make of them.
// One source at a time: its memory is bounded by historyBytes (and the
// decoded copies).
type historyCache struct {
	mu       sync.Mutex
	source   string
	hash     string // of the mappings in force
	provider string // the events are decoded for
	at       time.Time
	events   []decodedEvent
}

type decodedEvent struct {
	store.StoredPayload
	provider  string // doc is the payload decoded for this provider
	doc       string
	decodeErr error
	before    outcome
}

func (h *handler) compareHistory(ctx context.Context, edited *mappings.Source) (*history, error) {
	cfg := h.deps.Mappings()
	cur := cfg.Sources[edited.Name]
	c := &h.history
	c.mu.Lock()
	defer c.mu.Unlock()
	now := h.now()
	if c.source != edited.Name || c.hash != cfg.Hash || c.provider != edited.Provider || now.Sub(c.at) >= historyTTL || now.Before(c.at) {
		stored, err := h.deps.Store.RecentPayloads(ctx, edited.Name, historyEvents, historyBytes)
		if err != nil {
			c.source = ""
			return nil, err
		}
		c.source, c.hash, c.provider, c.at = edited.Name, cfg.Hash, edited.Provider, now
		c.events = make([]decodedEvent, len(stored))
		for i, p := range stored {
			e := &c.events[i]
			e.StoredPayload = p
			doc, err := providers.Decode(edited.Provider, p.ContentType, p.Payload)
			e.provider, e.doc, e.decodeErr = edited.Provider, string(doc), err
			e.before = mapStored(cur, e)
		}
	}
	hist := &history{Source: edited.Name, Compared: len(c.events), Limited: len(c.events) == historyEvents,
		InForce: standing(cur), AsOf: c.at}
	for i := range c.events {
		e := &c.events[i]
		after := mapStored(edited, e)
		if e.before.key == after.key {
			continue
		}
		hist.Changed++
		if len(hist.Examples) < historyExamples {
			hist.Examples = append(hist.Examples, historyExample{EventID: e.ID, Status: e.Status, Before: e.before.text, After: after.text})
		}
	}
	return hist, nil
}

// mapStored maps one stored event with src (nil: no such source), using
// the event's decoded document when it was decoded for src's provider.
func mapStored(src *mappings.Source, e *decodedEvent) outcome {
	switch {
	case src == nil:
		return outcome{"none", "no such source in the mappings in force"}
	case src.Capture:
		return outcome{"captured", "captured: no lead rules, nothing sent"}
	}
	doc, err := e.doc, e.decodeErr
	if e.provider != src.Provider {
		var b []byte
		b, err = providers.Decode(src.Provider, e.ContentType, e.Payload)
		doc = string(b)
	}
	if err != nil {
		return outcome{"undecodable", "the payload cannot be decoded: " + err.Error()}
	}
	items := src.Apply(e.Payload, doc)
	if len(items) == 0 {
		return outcome{"empty", "an empty batch: nothing sent"}
	}
	var key, text strings.Builder
	for _, it := range items {
		prefix := ""
		if src.Each != "" {
			prefix = fmt.Sprintf("element %d: ", it.Index)
		}
		switch it.Outcome {
		case mappings.Mapped:
			body := it.Lead.AppendJSON(nil)
			fmt.Fprintf(&key, "mapped %s\n", body)
			fmt.Fprintf(&text, "%ssends %s\n", prefix, body)
		case mappings.Ignored:
			fmt.Fprintf(&key, "ignored %s\n", it.Reason)
			fmt.Fprintf(&text, "%signored (%s)\n", prefix, it.Reason)
		case mappings.Failed:
			key.WriteString("failed\n") // other problems, same effect: nothing sent
			msgs := make([]string, 0, len(it.Problems))
			for _, pr := range it.Problems {
				msgs = append(msgs, pr.String())
			}
			fmt.Fprintf(&text, "%sfails: %s\n", prefix, strings.Join(msgs, "; "))
		}
	}
	return outcome{key.String(), strings.TrimRight(text.String(), "\n")}
}
