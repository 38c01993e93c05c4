// Package notify tells an operator when something breaks (product.md §7):
// leads gone dead, Partnero refusing the API key, a failed mapping
// reload, a delivery backlog, a source whose leads arrive without a
// partner, webhooks that failed the mapping. It reads the store on a
// schedule instead of hooking into intake or delivery, so that a slow or
// dead chat server can hold up neither; its state and the messages not
// yet sent live in the store, so that a restart neither repeats nor loses
// a notification.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadbridge/leadbridge/store"
)

// Config is what to tell and how often (product.md §7 flags and env).
type Config struct {
	// URLs receive every message (see ParseURLs). None: nothing is sent,
	// but the unattributed share is still computed for /metrics, /readyz
	// and the console.
	URLs []string
	// Every is the least time between two messages of one kind and
	// source; 0 means 10m.
	Every time.Duration
	// Check is how often the store is looked at; 0 means 30s.
	Check time.Duration
	// Backlog is how long a lead may wait for delivery before it is
	// reported; 0 means 15m.
	Backlog time.Duration
	// Unattributed is the share (0–1) of a source's leads of the last
	// hour without a partner above which it is reported (from 5 leads
	// on); 0 means 0.5, 1 never reports.
	Unattributed float64
}

func (c *Config) defaults() {
	if c.Every <= 0 {
		c.Every = 10 * time.Minute
	}
	if c.Check <= 0 {
		c.Check = 30 * time.Second
	}
	if c.Backlog <= 0 {
		c.Backlog = 15 * time.Minute
	}
	if c.Unattributed <= 0 {
		c.Unattributed = 0.5
	}
}

// Store is what the notifier reads and keeps; *store.Store implements it
// on SQLite and PostgreSQL.
type Store interface {
	DeadLeads(ctx context.Context, after, upTo time.Time, maxIDs int) ([]store.SourceEvents, error)
	FailedEvents(ctx context.Context, after, upTo time.Time, maxIDs int) ([]store.SourceEvents, error)
	AuthActivity(ctx context.Context, after, upTo time.Time) ([]store.AuthActivity, error)
	Backlogs(ctx context.Context, queuedBefore time.Time) ([]store.Backlog, error)
	Attributions(ctx context.Context, since time.Time) ([]store.Attribution, error)
	UnattributedEvents(ctx context.Context, source string, since time.Time, max int) ([]int64, error)

	NotifyState(ctx context.Context) (string, error)
	SaveNotifyState(ctx context.Context, prev, next string, messages [][]byte) (bool, error)
	ClaimNotification(ctx context.Context, staleBefore time.Time) (store.Notification, bool, error)
	FinishNotification(ctx context.Context, id int64) error
	ReleaseNotification(ctx context.Context, id int64) error
}

// Deps are the notifier's collaborators.
type Deps struct {
	Store Store
	// Client posts to the receivers; nil means one with a 10s timeout.
	Client *http.Client
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits between attempts to reach a receiver; nil waits for real.
	Sleep func(ctx context.Context, d time.Duration) error
	// Secrets returns every configured secret, token and API key: each is
	// replaced by <secret> should it ever appear in a message.
	Secrets func() []string
}

// Share is a source's share of leads without a partner identifier in the
// last hour (ignored as "no partner", failed for it, or sent with the
// fallback partner): a broken hidden field looks like this.
type Share struct {
	Source       string  `json:"source"`
	Leads        int     `json:"leads"`
	Unattributed int     `json:"unattributed"`
	Ratio        float64 `json:"share"`
	// Warning: over the threshold, from at least 5 leads.
	Warning bool `json:"warning"`
}

// claimTimeout is how long a message claimed by a sender that died waits
// before it is sent again; it exceeds the longest send (four attempts,
// their timeouts and waits).
const claimTimeout = 5 * time.Minute

// Notifier checks the store every Config.Check and sends what an operator
// must act on. Create it with New and run it with Run.
type Notifier struct {
	cfg     Config
	store   Store
	sender  *Sender
	log     *slog.Logger
	now     func() time.Time
	secrets func() []string

	mu     sync.Mutex
	shares []Share
	reload reloadState

	wake chan struct{} // a check queued messages
}

// New builds a notifier; it does nothing until Run.
func New(cfg Config, deps Deps) (*Notifier, error) {
	if deps.Store == nil {
		return nil, errors.New("notify: a store is required")
	}
	cfg.defaults()
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Secrets == nil {
		deps.Secrets = func() []string { return nil }
	}
	s := NewSender(cfg.URLs, deps.Client)
	if deps.Sleep != nil {
		s.sleep = deps.Sleep
	}
	return &Notifier{cfg: cfg, store: deps.Store, sender: s, log: deps.Logger, now: deps.Now, secrets: deps.Secrets,
		wake: make(chan struct{}, 1)}, nil
}

// Run checks and sends until ctx ends. Sending runs in a goroutine of its
// own: a receiver that hangs delays only the messages after it.
func (n *Notifier) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); n.sendLoop(ctx) }()
	defer wg.Wait()
	tick := time.NewTicker(n.cfg.Check)
	defer tick.Stop()
	for {
		if err := n.check(ctx); err != nil && ctx.Err() == nil {
			n.log.Warn("notifications: checking the store failed; trying again at the next check", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Reloaded is told the outcome of every mapping reload: an error starts
// reload_failed, nil (a successful load, also an unchanged one) ends it.
func (n *Notifier) Reloaded(err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err == nil {
		n.reload = reloadState{}
		return
	}
	first, problems := firstProblem(err)
	n.reload.first = n.redactor().clean(first, maxProblemLen)
	n.reload.problems = problems
	n.reload.failures++
}

// Unattributed returns the share of leads without a partner per source,
// as of the last check (empty before the first): for /readyz, /metrics
// and the console.
func (n *Notifier) Unattributed() []Share {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Share{}, n.shares...)
}

func (n *Notifier) redactor() redactor { return redactor{secrets: n.secrets()} }

// check looks at the store once: it folds what happened since the last
// check into the state, and saves the new state with the messages due in
// one transaction, unless another instance saved first (then this round
// is its).
func (n *Notifier) check(ctx context.Context) error {
	now := n.now()
	prev, err := n.store.NotifyState(ctx)
	if err != nil {
		return err
	}
	st, err := decodeState(prev)
	if err != nil {
		n.log.Error("notifications: the saved state is unreadable; starting afresh", "err", err)
	}
	upTo := now.Add(-settle)
	if st.Cursor.IsZero() {
		// First run: what happened before notifications were on is not news.
		st.Cursor = upTo
	}
	obs, err := n.observe(ctx, st.Cursor, upTo, now)
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.shares = obs.shares
	obs.reload = n.reload
	n.mu.Unlock()

	msgs := n.plan(st, obs, now, n.redactor())
	if upTo.After(st.Cursor) {
		st.Cursor = upTo
	}
	var bodies [][]byte
	if len(n.sender.receivers) > 0 {
		for _, m := range msgs {
			b, _ := json.Marshal(m) // plain types: cannot fail
			bodies = append(bodies, b)
		}
	}
	ok, err := n.store.SaveNotifyState(ctx, prev, st.encode(), bodies)
	if err != nil || !ok {
		return err
	}
	n.mu.Lock()
	n.reload.failures = max(0, n.reload.failures-obs.reload.failures)
	n.mu.Unlock()
	for _, m := range msgs {
		n.log.Info("notification", "kind", m.Kind, "source", m.Source, "count", m.Count, "receivers", len(n.sender.receivers))
	}
	if len(bodies) > 0 {
		select {
		case n.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// sendLoop sends the queued messages, oldest first, when a check queued
// some and every Check (another instance's, or one released at a stop).
func (n *Notifier) sendLoop(ctx context.Context) {
	tick := time.NewTicker(n.cfg.Check)
	defer tick.Stop()
	for {
		n.drain(ctx)
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		case <-tick.C:
		}
	}
}

func (n *Notifier) drain(ctx context.Context) {
	for ctx.Err() == nil {
		note, ok, err := n.store.ClaimNotification(ctx, n.now().Add(-claimTimeout))
		if err != nil {
			if ctx.Err() == nil {
				n.log.Warn("notifications: reading the queue failed", "err", err)
			}
			return
		}
		if !ok {
			return
		}
		n.deliver(ctx, note)
	}
}

// deliver sends one queued message to every receiver, retrying each a few
// times, and removes it; a stop mid-way gives it back for the next start.
func (n *Notifier) deliver(ctx context.Context, note store.Notification) {
	var m Message
	if err := json.Unmarshal(note.Body, &m); err != nil || len(n.sender.receivers) == 0 {
		n.log.Warn("notifications: dropping a queued message (unreadable, or no --notify-url any more)", "id", note.ID)
		n.finish(note.ID)
		return
	}
	results := n.sender.send(ctx, m, sendAttempts)
	// A stop that came once every receiver had the message is no reason to
	// send it again at the next start.
	if ctx.Err() != nil && !allSent(results) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := n.store.ReleaseNotification(rctx, note.ID); err != nil {
			n.log.Warn("notifications: giving a message back at stop failed; it is sent after "+claimTimeout.String(), "err", err)
		}
		return
	}
	for _, r := range results {
		if r.Err != nil {
			n.log.Error("notification not sent: the receiver failed every attempt", "receiver", r.Receiver, "kind", m.Kind, "source", m.Source,
				"status", r.Status, "attempts", r.Attempts, "err", n.redactor().clean(r.Err.Error(), 200), "answer", r.Answer)
		}
	}
	n.finish(note.ID)
}

// allSent reports whether every receiver took the message.
func allSent(results []Result) bool {
	for _, r := range results {
		if r.Err != nil {
			return false
		}
	}
	return true
}

func (n *Notifier) finish(id int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.store.FinishNotification(ctx, id); err != nil {
		n.log.Warn("notifications: removing a sent message failed; it may be sent again", "id", id, "err", err)
	}
}

// Collector returns the Prometheus series of the notifier:
// leadbridge_unattributed_share{source}.
func (n *Notifier) Collector() prometheus.Collector {
	return shareCollector{n: n, desc: prometheus.NewDesc("leadbridge_unattributed_share",
		"Share (0-1) of a source's leads of the last hour without a partner identifier: ignored as no partner, failed for it, or sent with the fallback partner.",
		[]string{"source"}, nil)}
}

type shareCollector struct {
	n    *Notifier
	desc *prometheus.Desc
}

func (c shareCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c shareCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.n.Unattributed() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, s.Ratio, s.Source)
	}
}
