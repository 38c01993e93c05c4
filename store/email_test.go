package store

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestListEventsByEmail(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		ada := queued("k:1")
		ada.Email = "ada@example.com"
		bob := queued("k:2")
		bob.Email = "bob@example.com"
		r1, err := b.store.Ingest(ctx, intake("tf", "k:1", ada))
		require.NoError(t, err)
		_, err = b.store.Ingest(ctx, intake("tf", "k:2", bob))
		require.NoError(t, err)

		list, err := b.store.ListEvents(ctx, Filter{Email: " Ada@Example.com "})
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, r1.EventID, list[0].ID)

		ev, err := b.store.GetEvent(ctx, r1.EventID)
		require.NoError(t, err)
		require.Equal(t, "ada@example.com", ev.LeadList[0].Email)

		none, err := b.store.ListEvents(ctx, Filter{Email: "nobody@example.com"})
		require.NoError(t, err)
		require.Empty(t, none)
	})
}

func TestCapturedEventHasNoLeads(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		in := intake("new-form", "k:c")
		in.Captured = true
		r, err := b.store.Ingest(ctx, in)
		require.NoError(t, err)
		require.False(t, r.Duplicate)
		again, err := b.store.Ingest(ctx, in)
		require.NoError(t, err)
		require.True(t, again.Duplicate, "a captured event is deduped like any other")
		require.Equal(t, r.EventID, again.EventID)

		ev, err := b.store.GetEvent(ctx, r.EventID)
		require.NoError(t, err)
		require.Equal(t, StatusCaptured, ev.Status)
		require.Empty(t, ev.LeadList)
		list, err := b.store.ListEvents(ctx, Filter{Status: StatusCaptured})
		require.NoError(t, err)
		require.Len(t, list, 1)
	})
}
