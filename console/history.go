package console

import (
	"context"
	"fmt"
	"strings"

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
)

type history struct {
	Source   string
	Compared int  // events compared
	Limited  bool // the source has more stored events than were compared
	Changed  int  // events that would map differently
	// InForce is false when the mappings in force have no such source, or
	// it has no lead rules: every event then maps "differently".
	InForce  bool
	Examples []historyExample
}

type historyExample struct {
	EventID       int64
	Status        string // as stored
	Before, After string // what each mapping makes of the event
}

// outcome is what one mapping makes of one event: key compares (the
// requests that would be sent, or why none), text shows.
type outcome struct{ key, text string }

func (h *handler) compareHistory(ctx context.Context, edited *mappings.Source) (*history, error) {
	cur := h.deps.Mappings().Sources[edited.Name]
	stored, err := h.deps.Store.RecentPayloads(ctx, edited.Name, historyEvents, historyBytes)
	if err != nil {
		return nil, err
	}
	hist := &history{Source: edited.Name, Compared: len(stored), Limited: len(stored) == historyEvents,
		InForce: cur != nil && !captures(cur)}
	for _, p := range stored {
		before, after := mapStored(cur, p), mapStored(edited, p)
		if before.key == after.key {
			continue
		}
		hist.Changed++
		if len(hist.Examples) < historyExamples {
			hist.Examples = append(hist.Examples, historyExample{EventID: p.ID, Status: p.Status, Before: before.text, After: after.text})
		}
	}
	return hist, nil
}

// mapStored maps one stored payload with src (nil: no such source).
func mapStored(src *mappings.Source, p store.StoredPayload) outcome {
	switch {
	case src == nil:
		return outcome{"none", "no such source in the mappings in force"}
	case captures(src):
		return outcome{"captured", "captured: no lead rules, nothing sent"}
	}
	doc, err := providers.Decode(src.Provider, p.ContentType, p.Payload)
	if err != nil {
		return outcome{"undecodable", "the payload cannot be decoded: " + err.Error()}
	}
	items := src.Apply(p.Payload, string(doc))
	var key, text strings.Builder
	if len(items) == 0 {
		return outcome{"empty", "an empty batch: nothing sent"}
	}
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
