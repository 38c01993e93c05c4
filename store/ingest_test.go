package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// commitTogether commits ins as one batch of the intake writer (what
// concurrent webhooks become) and returns their results.
func commitTogether(t *testing.T, s *Store, ins ...*Intake) []IntakeResult {
	t.Helper()
	batch := make([]*ingestReq, len(ins))
	for i, in := range ins {
		batch[i] = &ingestReq{in: in, done: make(chan struct{})}
	}
	s.committer.commit(batch)
	out := make([]IntakeResult, len(ins))
	for i, r := range batch {
		<-r.done
		require.NoError(t, r.err)
		out[i] = r.res
	}
	return out
}

func leadKeys(t *testing.T, s *Store, eventID int64) []string {
	t.Helper()
	ev, err := s.GetEvent(context.Background(), eventID)
	require.NoError(t, err)
	var keys []string
	for _, l := range ev.LeadList {
		keys = append(keys, l.DedupeKey)
	}
	return keys
}

// TestIngestDedupeWithinOneCommit: requests committed together dedupe
// against each other as they do against what was stored before.
func TestIngestDedupeWithinOneCommit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		old, err := b.store.Ingest(ctx, intake("s", "old", queued("old")))
		require.NoError(t, err)
		ign := NewLead{Index: 1, DedupeKey: "z", Status: StatusIgnored, Reason: "no partner"}
		captured := &Intake{Source: "s", ContentType: "application/json", Payload: []byte(`{}`), EventKey: "cap", Captured: true}
		res := commitTogether(t, b.store,
			intake("s", "a", queued("a")),                // 0
			intake("s", "a", queued("a")),                // 1: same webhook, same commit
			intake("s", "h:1", queued("x"), queued("y")), // 2
			intake("s", "h:2", queued("y"), ign),         // 3: y is 2's
			intake("s", "h:3", queued("x")),              // 4: nothing new
			intake("s", "h:3", queued("x")),              // 5: the same body as 4
			intake("s", "h:4", queued("q"), queued("q")), // 6: one element twice
			intake("s", "old", queued("old")),            // 7: stored before
			intake("s", "old", queued("old")),            // 8: and again
			captured,                                     // 9
			intake("t", "a", queued("a")),                // 10: another source
		)
		require.False(t, res[0].Duplicate)
		require.Equal(t, IntakeResult{EventID: res[0].EventID, Duplicate: true, LeadDuplicate: []bool{true}}, res[1])
		require.False(t, res[2].Duplicate)
		require.Equal(t, []bool{false, false}, res[2].LeadDuplicate)
		require.Equal(t, []string{"x", "y"}, leadKeys(t, b.store, res[2].EventID))
		require.False(t, res[3].Duplicate)
		require.Equal(t, []bool{true, false}, res[3].LeadDuplicate)
		require.Equal(t, []string{"z"}, leadKeys(t, b.store, res[3].EventID))
		ev, err := b.store.GetEvent(ctx, res[3].EventID)
		require.NoError(t, err)
		require.Equal(t, StatusIgnored, ev.Status, "the status comes from the kept leads")
		for _, r := range res[4:6] {
			require.Equal(t, IntakeResult{EventID: res[2].EventID, Duplicate: true, LeadDuplicate: []bool{true}}, r, "the event that has x")
		}
		require.Equal(t, []bool{false, true}, res[6].LeadDuplicate)
		require.Equal(t, []string{"q"}, leadKeys(t, b.store, res[6].EventID))
		for _, r := range res[7:9] {
			require.Equal(t, IntakeResult{EventID: old.EventID, Duplicate: true, LeadDuplicate: []bool{true}}, r)
		}
		require.False(t, res[9].Duplicate)
		ev, err = b.store.GetEvent(ctx, res[9].EventID)
		require.NoError(t, err)
		require.Equal(t, StatusCaptured, ev.Status)
		require.False(t, res[10].Duplicate)
		require.NotEqual(t, res[0].EventID, res[10].EventID)

		list, err := b.store.ListEvents(ctx, Filter{Limit: 100})
		require.NoError(t, err)
		require.Len(t, list, 7, "old, a, h:1, h:2, h:4, cap, t/a: nothing of the duplicates")
		ds, err := b.store.Claim(ctx, 100, 0)
		require.NoError(t, err)
		require.Len(t, ds, 6, "old, a, x, y, q, t/a are queued once each")
	})
}

// TestIngestBigBatch: an event of more leads than one INSERT takes, some
// of them seen before (in a later chunk), keeps each new lead once.
func TestIngestBigBatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		_, err := b.store.Ingest(ctx, intake("s", "k:700", queued("k:700"), queued("k:701")))
		require.NoError(t, err)
		var leads []NewLead
		for i := range 1000 {
			l := queued(fmt.Sprintf("k:%d", i))
			l.Index = i
			leads = append(leads, l)
		}
		r, err := b.store.Ingest(ctx, intake("s", "h:big", leads...))
		require.NoError(t, err)
		require.False(t, r.Duplicate)
		for i, dup := range r.LeadDuplicate {
			require.Equal(t, i == 700 || i == 701, dup, "lead %d", i)
		}
		require.Len(t, leadKeys(t, b.store, r.EventID), 998)
	})
}

// A batch takes the INSERTs prepared for it; fewer leads than expected
// (duplicates) take chunks of prepared sizes; more than maxRows take
// several INSERTs.
func TestIntakeStatementsPreparedForTheBatch(t *testing.T) {
	var st stmts
	s := setup(t, "sqlite").store
	ctx := context.Background()
	for _, n := range []int{1, 7, 64, 150} {
		require.NoError(t, st.ensure(ctx, s.db, s.dialect, stmtLeads, n))
	}
	defer st.close()
	for _, tc := range []struct{ n, want int }{{7, 7}, {6, 1}, {64, 64}, {150, 64}, {22, 22}, {23, 22}, {2, 1}} {
		p, got := st.next(stmtLeads, tc.n)
		require.NotNil(t, p)
		require.Equal(t, tc.want, got, "%d rows", tc.n)
	}
}
