package bridge

import (
	"math/rand/v2"
	"time"
)

// backoff computes retry delays: exponential from min to max, with
// jitter so that leads that failed together do not retry together.
type backoff struct {
	min, max time.Duration
	// rand returns a float in [0, 1); injected so tests are exact.
	rand func() float64
}

func newBackoff(min, max time.Duration) backoff {
	return backoff{min: min, max: max, rand: rand.Float64}
}

// delay is the wait after the n-th failed attempt (n >= 1): min·2^(n-1)
// capped at max, times a jitter factor in [0.9, 1.1), kept within
// [min, max]. retryAfter (Partnero's Retry-After) wins when longer, even
// beyond max: Partnero knows when it will take requests again.
func (b backoff) delay(n int, retryAfter time.Duration) time.Duration {
	base := b.min
	for i := 1; i < n && base < b.max; i++ {
		base *= 2 // stops doubling at max, so it cannot overflow
	}
	base = min(base, b.max)
	d := time.Duration(float64(base) * (0.9 + 0.2*b.rand()))
	d = min(max(d, b.min), b.max)
	return max(d, retryAfter)
}
