package store

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Intake is one verified webhook to store with the lead candidates mapped
// from it.
type Intake struct {
	Source      string
	ContentType string
	Headers     []byte // JSON object of the headers worth keeping (never secrets)
	Payload     []byte // the raw body as received
	// EventKey dedupes the event itself: the only candidate's key, or the
	// hash of the raw body for a batch.
	EventKey string
	Leads    []NewLead
	// Captured stores the event alone, as StatusCaptured, for a source
	// without lead rules: nothing is mapped or queued (Leads is empty).
	Captured bool
}

// NewLead is one lead candidate of an Intake.
type NewLead struct {
	Index     int
	DedupeKey string
	Status    string // StatusQueued, StatusDryRun, StatusFailed or StatusIgnored
	Reason    string // why ignored, or the mapping problems (JSON) when failed
	Body      []byte // the Partnero request body (queued, dry_run)
	Email     string // the lead's email, lower case ("" when unmapped)
}

// IntakeResult says what became of an Intake.
type IntakeResult struct {
	// EventID is the stored event, or for a duplicate the first event
	// that had its key.
	EventID int64
	// Duplicate is set when every candidate was seen before: nothing was
	// stored.
	Duplicate bool
	// LeadDuplicate tells, per candidate, whether its key was seen before.
	LeadDuplicate []bool
}

// Ingest stores an event durably (fsynced) before returning. Concurrent
// calls share commits: one transaction and one fsync per batch. On error
// (wrapping ErrUnavailable) nothing of the event was written.
func (s *Store) Ingest(ctx context.Context, in *Intake) (IntakeResult, error) {
	return s.committer.submit(ctx, in)
}

type ingestReq struct {
	in   *Intake
	res  IntakeResult
	err  error
	done chan struct{}
}

// committer is the writer of intake: each of its writers drains waiting
// requests into one transaction, commits, and only then answers each of
// them. SQLite has one writer (one connection); PostgreSQL a few, whose
// transactions run side by side.
type committer struct {
	s        *Store
	reqs     chan *ingestReq
	maxBatch int
	quit     chan struct{}
	wg       sync.WaitGroup
	commits  atomic.Int64 // transactions committed, for tests and metrics
}

func newCommitter(s *Store, maxBatch, writers int) *committer {
	c := &committer{s: s, reqs: make(chan *ingestReq, 4*maxBatch), maxBatch: maxBatch, quit: make(chan struct{})}
	for range max(writers, 1) {
		c.wg.Add(1)
		go c.loop()
	}
	return c
}

func (c *committer) submit(ctx context.Context, in *Intake) (IntakeResult, error) {
	r := &ingestReq{in: in, done: make(chan struct{})}
	select {
	case c.reqs <- r:
	case <-c.quit:
		return IntakeResult{}, fmt.Errorf("%w: shutting down", ErrUnavailable)
	case <-ctx.Done():
		return IntakeResult{}, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
	// Once queued, the request is committed or failed as a whole: wait for
	// the answer even if the client went away, so that no handler returns
	// while its event may still be half-way.
	<-r.done
	return r.res, r.err
}

func (c *committer) stop() {
	select {
	case <-c.quit:
	default:
		close(c.quit)
	}
	c.wg.Wait()
}

// maxYields bounds how many times the writer yields to let more webhooks
// join a batch.
const maxYields = 4

// fill adds the waiting requests to batch, up to maxBatch.
func (c *committer) fill(batch *[]*ingestReq) {
	for len(*batch) < c.maxBatch {
		select {
		case r := <-c.reqs:
			*batch = append(*batch, r)
		default:
			return
		}
	}
}

func (c *committer) loop() {
	defer c.wg.Done()
	batch := make([]*ingestReq, 0, c.maxBatch)
	for {
		var first *ingestReq
		select {
		case first = <-c.reqs:
		case <-c.quit:
			// Drain what was accepted before the stop.
			for {
				select {
				case r := <-c.reqs:
					c.commit([]*ingestReq{r})
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
		c.fill(&batch)
		// Let the handlers that can run reach the queue first: under load
		// more webhooks share a commit (in load.sh's run, 26 a commit
		// instead of 18, for about a tenth less CPU a webhook, as the
		// commit's index pages are written to the WAL once for more
		// events). It stops at the first yield that brings nothing: when
		// nothing else is runnable, Gosched returns at once.
		for range maxYields {
			n := len(batch)
			if n == c.maxBatch {
				break
			}
			runtime.Gosched()
			if c.fill(&batch); len(batch) == n {
				break
			}
		}
		c.commit(batch)
	}
}

// commit writes a batch in one transaction. If the batch fails, each
// request is retried alone so that one bad event cannot sink the others.
//
// On PostgreSQL, a transaction can lose a deadlock against another
// instance's batch (the same webhook sent to both, keys in another order);
// a single request is then tried again, as its rival has moved on.
func (c *committer) commit(batch []*ingestReq) {
	err := c.commitTx(batch)
	for try := 1; err != nil && len(batch) == 1 && try < 3 && c.s.dialect.transient(err); try++ {
		err = c.commitTx(batch)
	}
	if err != nil && len(batch) > 1 {
		for _, r := range batch {
			c.commit([]*ingestReq{r})
		}
		return
	}
	for _, r := range batch {
		if err != nil {
			r.res, r.err = IntakeResult{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		close(r.done)
	}
}

func (c *committer) commitTx(batch []*ingestReq) error {
	ctx := context.Background()
	if err := c.s.prepareFor(ctx, batch); err != nil {
		return err
	}
	tx, err := c.s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if q := c.s.dialect.intakeTx; q != "" {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	queued, err := c.s.insertBatch(ctx, tx, batch, c.s.ms(c.s.now()))
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	c.commits.Add(1)
	if queued {
		c.s.signal()
	}
	return nil
}
