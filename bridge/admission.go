package bridge

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/semaphore"
)

// admission bounds the webhook bodies being read, decoded, mapped and
// stored at once, weighed by their size: decoding costs a few times the
// body, so without a bound a burst of large bodies (authenticated or not:
// the body is read before its signature can be checked) would take all
// the memory. Small webhooks hardly count; a burst of large ones waits
// for room, then gets 503 and the provider retries (product.md §4).
type admission struct {
	sem  *semaphore.Weighted
	max  int64         // the budget, in body bytes
	wait time.Duration // how long a webhook waits for room
}

func newAdmission(budget int64, wait time.Duration) *admission {
	return &admission{sem: semaphore.NewWeighted(budget), max: budget, wait: wait}
}

// admit reserves room for the request's body: its declared length, or
// the largest allowed body when it has none (chunked). The returned
// release must be called once the request is answered.
func (s *Server) admit(c *gin.Context) (release func(), a *answer) {
	n := c.Request.ContentLength
	if n <= 0 || n > s.cfg.MaxBody {
		n = s.cfg.MaxBody
	}
	n = min(n, s.bodies.max)
	release = func() { s.bodies.sem.Release(n) }
	// Room is there nearly always: take it without a timer.
	if s.bodies.sem.TryAcquire(n) {
		return release, nil
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.bodies.wait)
	defer cancel()
	if err := s.bodies.sem.Acquire(ctx, n); err != nil {
		a := reject(http.StatusServiceUnavailable, "busy", "too many webhook bodies are being processed; retry later")
		a.retryAfter = time.Second
		return nil, a
	}
	return release, nil
}
