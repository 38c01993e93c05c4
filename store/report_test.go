package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func lead(key, status, reason string) NewLead {
	l := NewLead{DedupeKey: key, Status: status, Reason: reason}
	if status == StatusQueued || status == StatusDryRun {
		l.Body = []byte(`{"name":"A","email":"a@b.co"}`)
	}
	return l
}

func TestActivity(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		start := b.clock.Now() // 10:00 UTC
		// Two days ago: outside a 24 h window, inside 7 days.
		b.clock.Add(-48 * time.Hour)
		_, err := b.store.Ingest(ctx, intake("tf", "old", lead("old", StatusQueued, "")))
		require.NoError(t, err)
		b.clock.Add(48 * time.Hour)
		_, err = b.store.Ingest(ctx, intake("tf", "a", lead("a", StatusQueued, "")))
		require.NoError(t, err)
		_, err = b.store.Ingest(ctx, intake("tf", "b", lead("b", StatusFailed, `[{"field":"email","message":"x"}]`)))
		require.NoError(t, err)
		b.clock.Add(90 * time.Minute) // 11:30
		_, err = b.store.Ingest(ctx, intake("tally", "c", lead("c", StatusDryRun, ""), lead("c2", StatusIgnored, "no partner")))
		require.NoError(t, err)

		day, err := b.store.Activity(ctx, start.Add(-24*time.Hour))
		require.NoError(t, err)
		require.Equal(t, []HourCount{
			{Hour: start, Status: StatusFailed, N: 1},
			{Hour: start, Status: StatusQueued, N: 1},
			{Hour: start.Add(time.Hour), Status: StatusDryRun, N: 1},
		}, day.Events)
		require.Equal(t, []HourCount{
			{Hour: start, Status: StatusFailed, N: 1},
			{Hour: start, Status: StatusQueued, N: 1},
			{Hour: start.Add(time.Hour), Status: StatusDryRun, N: 1},
			{Hour: start.Add(time.Hour), Status: StatusIgnored, N: 1},
		}, day.Leads, "the leads of the window's events, by their own status")
		require.Equal(t, []HourAttribution{
			{Hour: start, Source: "tf", Leads: 2},
			{Hour: start.Add(time.Hour), Source: "tally", Leads: 2, Unattributed: 1},
		}, day.Attribution)

		week, err := b.store.Activity(ctx, start.Add(-7*24*time.Hour))
		require.NoError(t, err)
		require.Len(t, week.Events, 4)
		require.Equal(t, HourCount{Hour: start.Add(-48 * time.Hour), Status: StatusQueued, N: 1}, week.Events[0])
	})
}

func TestSourceActivity(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		empty, err := b.store.SourceActivity(ctx)
		require.NoError(t, err)
		require.Empty(t, empty)

		_, err = b.store.Ingest(ctx, intake("tf", "a", lead("a", StatusQueued, "")))
		require.NoError(t, err)
		b.clock.Add(time.Hour)
		_, err = b.store.Ingest(ctx, intake("tf", "b", lead("b", StatusFailed, "[]")))
		require.NoError(t, err)
		captured := intake("new", "c")
		captured.Captured = true
		_, err = b.store.Ingest(ctx, captured)
		require.NoError(t, err)

		got, err := b.store.SourceActivity(ctx)
		require.NoError(t, err)
		require.Equal(t, []SourceActivity{
			{Source: "new", ByStatus: map[string]int64{StatusCaptured: 1}, Total: 1, Last: b.clock.Now()},
			{Source: "tf", ByStatus: map[string]int64{StatusQueued: 1, StatusFailed: 1}, Total: 2, Last: b.clock.Now()},
		}, got)
	})
}

func TestActivityAttribution(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		since := b.clock.Now()
		for i, l := range []NewLead{
			lead("q", StatusQueued, ""),
			lead("np", StatusIgnored, "no partner"),
			lead("when", StatusIgnored, `event_type is "x", not "form_response"`),
			lead("fp", StatusFailed, `[{"field":"partner","message":"no partner identifier: ..."}]`),
			lead("fe", StatusFailed, `[{"field":"email","message":"no value"}]`),
			lead("fb", StatusQueued, ""),
		} {
			_, err := b.store.Ingest(ctx, intake("tf", fmt.Sprint("k", i), l))
			require.NoError(t, err)
		}
		_, err := b.store.db.ExecContext(ctx, `UPDATE lb_leads SET fallback_used = 1 WHERE dedupe_key = 'fb'`)
		require.NoError(t, err)
		_, err = b.store.Ingest(ctx, intake("other", "o", lead("o", StatusQueued, "")))
		require.NoError(t, err)

		got, err := b.store.Activity(ctx, since)
		require.NoError(t, err)
		require.Equal(t, []HourAttribution{{Hour: since, Source: "other", Leads: 1}, {Hour: since, Source: "tf", Leads: 5, Unattributed: 3}}, got.Attribution,
			"a lead ignored by when is not counted; no partner, failed for the partner and the fallback partner are")

		later, err := b.store.Activity(ctx, since.Add(time.Minute))
		require.NoError(t, err)
		require.Empty(t, later.Attribution)
		require.Empty(t, later.Events)
	})
}

func TestEventPage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		for i := range 12 {
			src := []string{"tf", "tally", "hs"}[i%3]
			l := lead(fmt.Sprint("k", i), []string{StatusQueued, StatusFailed}[i%2], `[{"field":"email","message":"m"}]`)
			l.Email = fmt.Sprintf("p%d@example.com", i%4)
			_, err := b.store.Ingest(ctx, intake(src, fmt.Sprint("k", i), l))
			require.NoError(t, err)
		}
		empty, err := b.store.EventPage(ctx, Filter{Source: "none"})
		require.NoError(t, err)
		require.Empty(t, empty)
		for _, f := range []Filter{{}, {Limit: 5}, {Source: "tf"}, {Status: StatusFailed, Limit: 2}, {Email: "p1@example.com"},
			{Source: "tally", BeforeID: 8}, {Status: StatusQueued, Source: "hs", Email: "P0@example.com"}} {
			want, err := b.store.ListEvents(ctx, f)
			require.NoError(t, err)
			got, err := b.store.EventPage(ctx, f)
			require.NoError(t, err)
			require.Equal(t, want, got, "%+v", f)
			require.NotEmpty(t, got, "%+v", f)
		}
	})
}

func TestRecentPayloads(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		for i := range 5 {
			_, err := b.store.Ingest(ctx, intake("tf", fmt.Sprint("k", i), lead(fmt.Sprint("k", i), StatusQueued, "")))
			require.NoError(t, err)
		}
		_, err := b.store.Ingest(ctx, intake("other", "x", lead("x", StatusQueued, "")))
		require.NoError(t, err)

		got, err := b.store.RecentPayloads(ctx, "tf", 3, 0)
		require.NoError(t, err)
		require.Len(t, got, 3)
		require.Equal(t, `{"k":"k4"}`, string(got[0].Payload), "newest first")
		require.Equal(t, "application/json", got[0].ContentType)
		require.Equal(t, StatusQueued, got[0].Status)
		require.Greater(t, got[0].ID, got[1].ID)

		// Each payload is 10 bytes: a budget of 25 stops after two.
		budget, err := b.store.RecentPayloads(ctx, "tf", 10, 25)
		require.NoError(t, err)
		require.Len(t, budget, 2)
		first, err := b.store.RecentPayloads(ctx, "tf", 10, 1)
		require.NoError(t, err)
		require.Len(t, first, 1, "the newest is returned whatever its size")
	})
}

func TestEventIDs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		var ids []int64
		for i := range 4 {
			l := lead(fmt.Sprint("k", i), StatusFailed, "[]")
			l.Email = fmt.Sprintf("p%d@example.com", i%2)
			r, err := b.store.Ingest(ctx, intake("tf", fmt.Sprint("k", i), l))
			require.NoError(t, err)
			ids = append(ids, r.EventID)
		}
		_, err := b.store.Ingest(ctx, intake("tf", "q", lead("q", StatusQueued, "")))
		require.NoError(t, err)

		got, err := b.store.EventIDs(ctx, Filter{Status: StatusFailed, Source: "tf", Email: "P1@example.com", Limit: 1})
		require.NoError(t, err)
		require.Equal(t, []int64{ids[1], ids[3]}, got, "oldest first, every match whatever the limit")
		got, err = b.store.EventIDs(ctx, Filter{Status: StatusFailed, BeforeID: ids[2]})
		require.NoError(t, err)
		require.Equal(t, ids[:2], got)
		got, err = b.store.EventIDs(ctx, Filter{Source: "none"})
		require.NoError(t, err)
		require.Empty(t, got)
	})
}
