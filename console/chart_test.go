package console

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/store"
)

func TestHourChart(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)
	since := now.Truncate(time.Hour).Add(-23 * time.Hour)
	c := hourChart(since, now, []store.HourCount{
		{Hour: now.Truncate(time.Hour), Status: store.StatusFailed, N: 1},
		{Hour: now.Truncate(time.Hour), Status: store.StatusDelivered, N: 3},
		{Hour: since, Status: store.StatusDelivered, N: 2},
		{Hour: since.Add(-time.Hour), Status: store.StatusDead, N: 9}, // outside: ignored
	})
	require.Len(t, c.Bars, 24)
	require.Equal(t, int64(4), c.Max)
	require.Equal(t, []string{store.StatusDelivered, store.StatusFailed}, c.Legend)
	last := c.Bars[23]
	require.Len(t, last.Segs, 2)
	require.Equal(t, store.StatusDelivered, last.Segs[0].Status, "delivered at the bottom, failures on top")
	require.InDelta(t, c.Bottom-c.Top, last.Segs[0].H+last.Segs[1].H, 1e-9, "the tallest bar fills the plot")
	require.Equal(t, "Mon 02 Mar 10:00 UTC: 3 delivered, 1 failed", last.Title)
	require.Equal(t, "Sun 01 Mar 11:00 UTC: 2 delivered", c.Bars[0].Title)
	require.Equal(t, "Sun 01 Mar 12:00 UTC: nothing", c.Bars[1].Title)
	require.Len(t, c.Ticks, 4, "every 6 hours")
	require.LessOrEqual(t, last.X+last.W, c.Right)

	week := hourChart(now.Truncate(time.Hour).Add(-167*time.Hour), now, nil)
	require.Len(t, week.Bars, 168)
	require.Len(t, week.Ticks, 7, "one per day")
	require.Empty(t, week.Legend)
}

func TestReadableReason(t *testing.T) {
	require.Equal(t, `email: no value; partner: none`, readableReason(`[{"field":"email","message":"no value"},{"field":"partner","message":"none"}]`))
	require.Equal(t, "no partner", readableReason("no partner"))
	require.Equal(t, "[not json", readableReason("[not json"))
}
