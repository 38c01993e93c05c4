package notify

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// state is what the notifier keeps in the store between checks, so that a
// restart neither repeats nor loses a notification. Several instances on
// one PostgreSQL share it: each check replaces it by compare-and-swap.
type state struct {
	// Cursor: events, leads and attempts up to here have been looked at.
	Cursor time.Time `json:"cursor"`
	// Topics are keyed kind + "/" + source.
	Topics map[string]*topic `json:"topics,omitempty"`
}

// topic is one kind and source: when it was last sent, what happened
// since (Count, EventIDs, Reasons: sent with the next message), and for a
// condition (auth failing, a backlog, unattributed leads, a failed
// reload) whether it holds and whether the operator was told it does.
type topic struct {
	LastSent time.Time `json:"last_sent,omitzero"`
	Count    int       `json:"count,omitempty"`
	EventIDs []int64   `json:"event_ids,omitempty"`
	Reasons  []string  `json:"reasons,omitempty"`
	// Holds is the condition as last observed (auth: the last attempt
	// was refused); Told that a message said so and no all-clear since.
	Holds bool `json:"holds,omitempty"`
	Told  bool `json:"told,omitempty"`
	// Status is the HTTP status of the latest refusals (auth).
	Status int `json:"status,omitempty"`
}

func decodeState(raw string) (*state, error) {
	st := &state{}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), st); err != nil {
			return &state{Topics: map[string]*topic{}}, err
		}
	}
	if st.Topics == nil {
		st.Topics = map[string]*topic{}
	}
	return st, nil
}

func (st *state) encode() string {
	b, _ := json.Marshal(st) // plain types: cannot fail
	return string(b)
}

func (st *state) topic(kind, source string) *topic {
	k := kind + "/" + source
	t, ok := st.Topics[k]
	if !ok {
		t = &topic{}
		st.Topics[k] = t
	}
	return t
}

// existing returns the topics of a kind, by source.
func (st *state) existing(kind string) map[string]*topic {
	out := map[string]*topic{}
	for k, t := range st.Topics {
		if source, ok := strings.CutPrefix(k, kind+"/"); ok {
			out[source] = t
		}
	}
	return out
}

// add records what happened for an event kind: sent with the next message.
func (t *topic) add(n int, ids []int64, reasons []string) {
	t.Count += n
	for _, id := range ids {
		if len(t.EventIDs) < maxEventIDs {
			t.EventIDs = append(t.EventIDs, id)
		}
	}
	for _, r := range reasons {
		if len(t.Reasons) < maxReasons && !slices.Contains(t.Reasons, r) {
			t.Reasons = append(t.Reasons, r)
		}
	}
}

// due reports whether a message may go out: at most one per every for
// each kind and source.
func (t *topic) due(now time.Time, every time.Duration) bool {
	return t.LastSent.IsZero() || now.Sub(t.LastSent) >= every
}

// sent marks a message sent now: what it carried is cleared.
func (t *topic) sent(now time.Time) {
	t.LastSent, t.Count, t.EventIDs, t.Reasons = now, 0, nil, nil
}

// idle reports whether the topic carries nothing worth keeping.
func (t *topic) idle(now time.Time, every time.Duration) bool {
	return t.Count == 0 && !t.Holds && !t.Told && t.due(now, every)
}

// prune drops idle topics so that the state stays small as sources come
// and go.
func (st *state) prune(now time.Time, every time.Duration) {
	for k, t := range st.Topics {
		if t.idle(now, every) {
			delete(st.Topics, k)
		}
	}
}
