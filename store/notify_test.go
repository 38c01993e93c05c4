package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// leadAt ingests one event of source with one lead and returns the
// event and lead ids.
func leadAt(t *testing.T, b *bundle, source, key string, l NewLead) (eventID, leadID int64) {
	t.Helper()
	l.DedupeKey = key
	res, err := b.store.Ingest(context.Background(), intake(source, key, l))
	require.NoError(t, err)
	return res.EventID, leadOf(t, b.store, res.EventID)
}

// setLead changes a lead the way delivery does, with the stable columns.
func setLead(t *testing.T, b *bundle, leadID int64, status, lastError string, at time.Time) {
	t.Helper()
	_, err := b.store.db.Exec(`UPDATE lb_leads SET status = $1, last_error = $2, updated_at = $3 WHERE id = $4`, status, lastError, at.UnixMilli(), leadID)
	require.NoError(t, err)
}

func attempt(t *testing.T, b *bundle, leadID int64, at time.Time, code int, outcome string) {
	t.Helper()
	_, err := b.store.db.Exec(`INSERT INTO lb_attempts (lead_id, at, status_code, outcome, error) VALUES ($1, $2, $3, $4, '')`, leadID, at.UnixMilli(), code, outcome)
	require.NoError(t, err)
}

func TestNotifyDeadLeadsAndFailedEvents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		t0 := b.clock.Now()
		var tfEvents []int64
		for i := range 4 {
			ev, lead := leadAt(t, b, "tf", fmt.Sprintf("k:%d", i), queued(""))
			tfEvents = append(tfEvents, ev)
			reason := "The email must be a valid email address."
			if i == 2 {
				reason = "Invalid partner key"
			}
			setLead(t, b, lead, StatusDead, reason, t0.Add(time.Duration(i+1)*time.Second))
		}
		_, other := leadAt(t, b, "tally", "k:t", queued(""))
		setLead(t, b, other, StatusDead, "", t0.Add(2*time.Second))
		_, late := leadAt(t, b, "tally", "k:late", queued(""))
		setLead(t, b, late, StatusDead, "too late", t0.Add(time.Minute))
		_, alive := leadAt(t, b, "tf", "k:alive", queued(""))
		setLead(t, b, alive, StatusRetrying, "503", t0.Add(2*time.Second))

		got, err := b.store.DeadLeads(ctx, t0, t0.Add(10*time.Second), 3)
		require.NoError(t, err)
		require.Equal(t, []SourceEvents{
			{Source: "tf", Count: 4, EventIDs: tfEvents[:3], Reasons: []string{"The email must be a valid email address.", "Invalid partner key"}},
			{Source: "tally", Count: 1, EventIDs: []int64{tfEvents[3] + 1}},
		}, got, "in order of dying; ids capped; reasons distinct; the window is (after, upTo]")

		got, err = b.store.DeadLeads(ctx, t0.Add(4*time.Second), t0.Add(time.Hour), 10)
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.Equal(t, "tally", got[0].Source, "updated_at equal to after is outside the window")

		b.clock.Add(time.Second)
		bad := NewLead{Status: StatusFailed, Reason: `[{"field":"email","message":"no value"}]`}
		f1, _ := leadAt(t, b, "tf", "k:f1", bad)
		f2, _ := leadAt(t, b, "tf", "k:f2", bad)
		failed, err := b.store.FailedEvents(ctx, t0, b.clock.Now(), 10)
		require.NoError(t, err)
		require.Equal(t, []SourceEvents{{Source: "tf", Count: 2, EventIDs: []int64{f1, f2}}}, failed)
		failed, err = b.store.FailedEvents(ctx, b.clock.Now(), b.clock.Now().Add(time.Hour), 10)
		require.NoError(t, err)
		require.Empty(t, failed)
	})
}

func TestNotifyAuthActivity(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		t0 := b.clock.Now()
		_, tf := leadAt(t, b, "tf", "k:1", queued(""))
		_, tf2 := leadAt(t, b, "tf", "k:2", queued(""))
		_, tally := leadAt(t, b, "tally", "k:3", queued(""))
		attempt(t, b, tf, t0.Add(1*time.Second), 401, "auth")
		attempt(t, b, tf2, t0.Add(2*time.Second), 401, "auth")
		attempt(t, b, tf, t0.Add(3*time.Second), 201, "delivered")
		attempt(t, b, tf2, t0.Add(4*time.Second), 403, "auth")
		attempt(t, b, tally, t0.Add(2*time.Second), 422, "dead")
		attempt(t, b, tally, t0.Add(5*time.Second), 503, "retry") // tells nothing about the key
		attempt(t, b, tally, t0.Add(time.Hour), 401, "auth")      // outside the window

		got, err := b.store.AuthActivity(ctx, t0, t0.Add(time.Minute))
		require.NoError(t, err)
		require.Equal(t, []AuthActivity{
			{Source: "tally", LastAccepted: t0.Add(2 * time.Second).UTC()},
			{Source: "tf", Refused: 3, StatusCode: 403, LastRefused: t0.Add(4 * time.Second).UTC(), LastAccepted: t0.Add(3 * time.Second).UTC()},
		}, got)
	})
}

func TestNotifyBacklogs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		t0 := b.clock.Now()
		e1, _ := leadAt(t, b, "tf", "k:1", queued(""))
		b.clock.Add(time.Minute)
		_, l2 := leadAt(t, b, "tf", "k:2", queued(""))
		setLead(t, b, l2, StatusRetrying, "503", b.clock.Now())
		_, l3 := leadAt(t, b, "tf", "k:3", queued(""))
		setLead(t, b, l3, StatusDelivered, "", b.clock.Now())
		b.clock.Add(time.Hour)
		leadAt(t, b, "tf", "k:new", queued("")) // too young

		got, err := b.store.Backlogs(ctx, t0.Add(30*time.Minute))
		require.NoError(t, err)
		require.Equal(t, []Backlog{{Source: "tf", Waiting: 2, Oldest: t0.UTC(), EventIDs: []int64{e1}}}, got)

		got, err = b.store.Backlogs(ctx, t0)
		require.NoError(t, err)
		require.Empty(t, got, "queued_at equal to the limit has not waited longer")
	})
}

func TestNotifyAttributions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		// Two hours ago: outside the window.
		leadAt(t, b, "tf", "k:old", NewLead{Status: StatusIgnored, Reason: "no partner"})
		b.clock.Add(2 * time.Hour)
		since := b.clock.Now().Add(-time.Minute)

		leadAt(t, b, "tf", "k:ok", queued(""))
		leadAt(t, b, "tf", "k:dry", NewLead{Status: StatusDryRun, Body: []byte(`{}`)})
		e1, _ := leadAt(t, b, "tf", "k:np", NewLead{Status: StatusIgnored, Reason: "no partner"})
		e2, _ := leadAt(t, b, "tf", "k:fp", NewLead{Status: StatusFailed, Reason: `[{"field":"partner","message":"no partner identifier: ref"}]`})
		leadAt(t, b, "tf", "k:fe", NewLead{Status: StatusFailed, Reason: `[{"field":"partner.key","message":"two values"},{"field":"email","message":"no value"}]`})
		leadAt(t, b, "tf", "k:when", NewLead{Status: StatusIgnored, Reason: `when: event_type equals "form_response" did not hold`})
		e3, l3 := leadAt(t, b, "tf", "k:fb", queued(""))
		_, err := b.store.db.Exec(`UPDATE lb_leads SET fallback_used = 1, status = 'delivered' WHERE id = $1`, l3)
		require.NoError(t, err)
		leadAt(t, b, "tally", "k:t", NewLead{Status: StatusIgnored, Reason: "no partner"})
		captured := intake("new", "k:c")
		captured.Captured = true
		_, err = b.store.Ingest(ctx, captured)
		require.NoError(t, err)

		got, err := b.store.Attributions(ctx, since)
		require.NoError(t, err)
		require.Equal(t, []Attribution{{Source: "tally", Leads: 1, Unattributed: 1}, {Source: "tf", Leads: 6, Unattributed: 3}}, got,
			"the when-ignored lead is not a lead; a failure on partner.key is not a missing partner")

		ids, err := b.store.UnattributedEvents(ctx, "tf", since, 2)
		require.NoError(t, err)
		require.Equal(t, []int64{e3, e2}, ids, "newest first, capped")
		ids, err = b.store.UnattributedEvents(ctx, "tf", since, 10)
		require.NoError(t, err)
		require.Equal(t, []int64{e3, e2, e1}, ids)
	})
}

func TestNotifyStateIsSwappedOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		st, err := b.store.NotifyState(ctx)
		require.NoError(t, err)
		require.Empty(t, st)

		ok, err := b.store.SaveNotifyState(ctx, "", "v1", [][]byte{[]byte(`{"kind":"a"}`)})
		require.NoError(t, err)
		require.True(t, ok)
		// A second instance that read the same (empty) state loses.
		ok, err = b.store.SaveNotifyState(ctx, "", "v1'", [][]byte{[]byte(`{"kind":"dup"}`)})
		require.NoError(t, err)
		require.False(t, ok)
		ok, err = b.store.SaveNotifyState(ctx, "v0", "v2", nil)
		require.NoError(t, err)
		require.False(t, ok)
		ok, err = b.store.SaveNotifyState(ctx, "v1", "v2", [][]byte{[]byte(`{"kind":"b"}`)})
		require.NoError(t, err)
		require.True(t, ok)
		st, err = b.store.NotifyState(ctx)
		require.NoError(t, err)
		require.Equal(t, "v2", st)

		// The queue: oldest first, claimed once, released, finished.
		stale := b.clock.Now().Add(-5 * time.Minute)
		n1, ok, err := b.store.ClaimNotification(ctx, stale)
		require.NoError(t, err)
		require.True(t, ok)
		require.JSONEq(t, `{"kind":"a"}`, string(n1.Body))
		n2, ok, err := b.store.ClaimNotification(ctx, stale)
		require.NoError(t, err)
		require.True(t, ok)
		require.JSONEq(t, `{"kind":"b"}`, string(n2.Body), "the loser's message was never queued")
		_, ok, err = b.store.ClaimNotification(ctx, stale)
		require.NoError(t, err)
		require.False(t, ok, "both are claimed")

		require.NoError(t, b.store.ReleaseNotification(ctx, n2.ID))
		again, ok, err := b.store.ClaimNotification(ctx, stale)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, n2.ID, again.ID)
		require.NoError(t, b.store.FinishNotification(ctx, n2.ID))

		// n1's sender died: after the claim timeout it is taken again.
		b.clock.Add(6 * time.Minute)
		again, ok, err = b.store.ClaimNotification(ctx, b.clock.Now().Add(-5*time.Minute))
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, n1.ID, again.ID)
	})
}
