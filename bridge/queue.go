package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/leadbridge/leadbridge/store"
)

// queue runs deliveries off the store's lead rows: it claims due leads in
// batches (each under a lease), hands them to a fixed set of workers, and
// records their results in batches. A result the store cannot take (a
// full disk, a database that is down) is kept in memory and written when
// the store is back; until then nothing new is claimed, so that a lead
// Partnero already accepted is never sent again because of a failed
// write.
type queue struct {
	st       Store
	deliver  func(ctx context.Context, d *store.Delivery) store.Decision
	now      func() time.Time
	log      *slog.Logger
	workers  int
	window   int           // leads claimed and not yet recorded, at most
	lease    time.Duration // how long a claim holds a lead (--rescue-after)
	timeout  time.Duration // one attempt's bound; a lead with less lease left is not started
	poll     time.Duration // how often idle workers look for due leads
	retryIn  time.Duration // how soon a failed write of results is tried again
	batchMax int           // results per write, at most

	jobs    chan *store.Delivery
	results chan store.Result
	kick    chan struct{} // room was made or results were written: claim again

	mu       sync.Mutex
	held     map[int64]int64 // lead id → its claim, from claim until its result is written
	pending  []store.Result  // decided and not yet written
	writeErr error           // why pending could not be written; nil when writes work
}

func newQueue(st Store, deliver func(context.Context, *store.Delivery) store.Decision, now func() time.Time, log *slog.Logger, workers int, lease time.Duration) *queue {
	return &queue{
		st: st, deliver: deliver, now: now, log: log,
		workers: workers, window: 4 * workers, lease: lease, timeout: min(time.Minute, lease/2),
		poll: 500 * time.Millisecond, retryIn: time.Second, batchMax: 512,
		kick: make(chan struct{}, 1), held: map[int64]int64{},
	}
}

// failing is the error that keeps results from being written, nil when
// there is none (for /readyz).
func (q *queue) failing() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.writeErr == nil {
		return nil
	}
	return fmt.Errorf("%d delivery results wait to be written: %w", len(q.pending), q.writeErr)
}

// claim takes up to n due leads, skipping none: a lead this instance
// already holds (its lease ran out while its result waited) is not sent
// again; its result is written under the new claim instead.
func (q *queue) claim(ctx context.Context, n int) ([]*store.Delivery, error) {
	ds, err := q.st.Claim(ctx, n, q.lease)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	fresh := ds[:0]
	for _, d := range ds {
		if _, ok := q.held[d.LeadID]; ok {
			q.held[d.LeadID] = d.Claim
			continue
		}
		q.held[d.LeadID] = d.Claim
		fresh = append(fresh, d)
	}
	return fresh, nil
}

// attempt makes one delivery attempt, bounded by the attempt timeout.
// ok is false when the lead's lease is too short to start it: it comes
// back when the lease runs out.
func (q *queue) attempt(ctx context.Context, d *store.Delivery) (store.Result, bool) {
	if q.now().Add(q.timeout).After(d.LeaseUntil) {
		q.mu.Lock()
		delete(q.held, d.LeadID)
		q.mu.Unlock()
		return store.Result{}, false
	}
	actx, cancel := context.WithTimeout(ctx, q.timeout)
	defer cancel()
	dec := q.deliver(actx, d)
	return store.Result{Delivery: d, Decision: dec, At: q.now()}, true
}

// record writes rs and whatever waited before them. On failure they all
// wait (pending) for the next try.
func (q *queue) record(ctx context.Context, rs []store.Result) error {
	q.mu.Lock()
	// The batch stays pending until it is written (and counted so).
	batch := append(q.pending, rs...)
	q.pending = batch
	for i, r := range batch {
		// A lead claimed again by this instance is written under its
		// latest claim (copied: the worker may still read the old one).
		if c := q.held[r.Delivery.LeadID]; c != r.Delivery.Claim && c != 0 {
			d := *r.Delivery
			d.Claim = c
			batch[i].Delivery = &d
		}
	}
	q.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	stale, err := q.st.Complete(wctx, batch)
	q.mu.Lock()
	defer q.mu.Unlock()
	if err != nil {
		if q.writeErr == nil {
			q.log.Error("cannot record delivery results: they are kept and written when the store is back; nothing new is sent meanwhile",
				"results", len(batch), "err", err)
		}
		q.writeErr = err
		return err
	}
	q.pending = nil
	if q.writeErr != nil {
		q.log.Warn("delivery results recorded again after a store failure", "results", len(batch))
	}
	q.writeErr = nil
	for _, r := range batch {
		delete(q.held, r.Delivery.LeadID)
	}
	if stale > 0 {
		q.log.Warn("delivery results of leads replayed or claimed elsewhere meanwhile: kept as attempts only", "results", stale)
	}
	q.wake()
	return nil
}

func (q *queue) wake() {
	select {
	case q.kick <- struct{}{}:
	default:
	}
}

// deliverDue delivers every lead due now and records the results, then
// returns how many attempts it made: one pass of what the workers do,
// for tests that move the clock instead of waiting for it.
func (q *queue) deliverDue(ctx context.Context) (int, error) {
	total := 0
	for {
		if err := q.record(ctx, nil); err != nil {
			return total, err
		}
		ds, err := q.claim(ctx, q.window)
		if err != nil || len(ds) == 0 {
			return total, err
		}
		results := make([]store.Result, len(ds))
		started := make([]bool, len(ds))
		var wg sync.WaitGroup
		next := make(chan int)
		for range q.workers {
			wg.Go(func() {
				for i := range next {
					results[i], started[i] = q.attempt(ctx, ds[i])
				}
			})
		}
		for i := range ds {
			next <- i
		}
		close(next)
		wg.Wait()
		var done []store.Result
		for i, r := range results {
			if started[i] {
				done = append(done, r)
			}
		}
		total += len(done)
		if err := q.record(ctx, done); err != nil {
			return total, err
		}
	}
}

// run delivers until ctx ends: a claimer, the workers and a recorder.
// stop waits for them.
func (q *queue) run(ctx context.Context) (stop func(context.Context) error) {
	q.jobs = make(chan *store.Delivery, q.window)
	q.results = make(chan store.Result, q.window)
	// Attempts in flight at a stop run on until the stop's deadline.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	var workers, claimer, recorder sync.WaitGroup
	claimer.Go(func() { q.claimLoop(ctx) })
	for range q.workers {
		workers.Go(func() {
			for d := range q.jobs {
				if ctx.Err() != nil {
					q.release(d)
					continue
				}
				if r, ok := q.attempt(work, d); ok {
					q.results <- r
				}
			}
		})
	}
	recorder.Go(func() { q.recordLoop() })
	return func(sctx context.Context) error {
		claimer.Wait() // ctx has ended: no more claims; it closed jobs
		done := make(chan struct{})
		go func() { workers.Wait(); close(q.results); recorder.Wait(); close(done) }()
		select {
		case <-done:
		case <-sctx.Done():
			cancelWork() // cut the attempts still running: recorded as interrupted
			<-done
		}
		cancelWork()
		if err := q.failing(); err != nil {
			q.log.Error("stopped with delivery results unwritten: those leads will be sent again", "err", err)
			return err
		}
		return nil
	}
}

// release gives a claimed lead that was not started back at a stop.
func (q *queue) release(d *store.Delivery) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := q.st.Release(ctx, []*store.Delivery{d}); err != nil {
		q.log.Warn("release a lead at stop: it is retried when its lease runs out", "lead_id", d.LeadID, "err", err)
	}
	q.mu.Lock()
	delete(q.held, d.LeadID)
	q.mu.Unlock()
}

// claimLoop claims leads while there is room, waiting for intake, a
// finished delivery or the poll interval in between. While results
// cannot be written it claims nothing.
func (q *queue) claimLoop(ctx context.Context) {
	defer close(q.jobs)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var claimErr error // logged once until claims work again
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.st.Wakeup():
		case <-q.kick:
		case <-timer.C:
		}
		for ctx.Err() == nil && q.failing() == nil {
			q.mu.Lock()
			room := q.window - len(q.held)
			q.mu.Unlock()
			// Claim in batches: wait until a worker's worth of room is free.
			if room < q.workers {
				break
			}
			ds, err := q.claim(ctx, room)
			if err != nil {
				if ctx.Err() == nil && claimErr == nil {
					q.log.Warn("cannot claim leads for delivery: trying again every poll", "err", err)
				}
				claimErr = err
				break
			}
			claimErr = nil
			for _, d := range ds {
				q.jobs <- d
			}
			if len(ds) < room {
				break
			}
		}
		timer.Reset(q.poll)
	}
}

// recordLoop writes results as they come, many per transaction, and
// retries a failed write until it succeeds or the queue stops.
func (q *queue) recordLoop() {
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	var batch []store.Result
	for {
		select {
		case r, ok := <-q.results:
			if !ok {
				q.flushAtStop()
				return
			}
			batch = append(batch[:0], r)
		fill:
			for len(batch) < q.batchMax {
				select {
				case r, ok := <-q.results:
					if !ok {
						break fill
					}
					batch = append(batch, r)
				default:
					break fill
				}
			}
		case <-retry.C:
			batch = batch[:0]
		}
		if err := q.record(context.Background(), batch); err != nil {
			retry.Reset(q.retryIn)
		}
	}
}

// flushAtStop tries the waiting results a few more times before the
// process exits.
func (q *queue) flushAtStop() {
	for try := 0; try < 5; try++ {
		err := q.record(context.Background(), nil)
		if err == nil || errors.Is(err, context.Canceled) {
			return
		}
		time.Sleep(q.retryIn)
	}
}
