package bridge

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/store"
)

// TestQueueConfigRescueAfter checks what reaches the store's queue: by
// default a 1-minute job timeout and the store's default rescue; with
// RescueAfter, that rescue and a job timeout short enough to precede it.
func TestQueueConfigRescueAfter(t *testing.T) {
	b := setup(t, withConfig(func(c *Config) { c.Workers = 7 }))
	require.Equal(t, store.QueueConfig{Workers: 7, JobTimeout: time.Minute}, b.srv.queueConfig())

	b = setup(t, withConfig(func(c *Config) { c.RescueAfter = 5 * time.Second }))
	require.Equal(t, store.QueueConfig{Workers: 2, JobTimeout: 2500 * time.Millisecond, RescueAfter: 5 * time.Second}, b.srv.queueConfig())

	b = setup(t, withConfig(func(c *Config) { c.RescueAfter = 10 * time.Minute }))
	require.Equal(t, store.QueueConfig{Workers: 2, JobTimeout: time.Minute, RescueAfter: 10 * time.Minute}, b.srv.queueConfig())

	// The store accepts it: delivery starts.
	b = setup(t, withConfig(func(c *Config) { c.RescueAfter = 5 * time.Second }))
	b.startDelivery(t)
}
