package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// requestTimeout bounds one POST to a receiver.
const requestTimeout = 10 * time.Second

// sendAttempts is how often the notifier tries a receiver before the
// message is logged as lost for it: four attempts within about a minute.
const sendAttempts = 4

// retryDelay is the wait before attempt try+1 (try counts from 1).
func retryDelay(try int) time.Duration {
	switch try {
	case 1:
		return 2 * time.Second
	case 2:
		return 10 * time.Second
	default:
		return 30 * time.Second
	}
}

// ErrNoReceivers is returned by ParseURLs for a list without any URL.
var ErrNoReceivers = errors.New("no notification URL configured")

// ParseURLs splits a comma-separated list of receiver URLs and checks each
// is an absolute http(s) URL. Errors name the URL by its position only:
// a chat webhook's URL is its credential.
func ParseURLs(list string) ([]string, error) {
	var out []string
	parts := strings.Split(list, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		u, err := url.Parse(p)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("URL %d of %d is not an absolute http(s) URL (such as https://hooks.slack.com/services/...)", i+1, len(parts))
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, ErrNoReceivers
	}
	return out, nil
}

// receiver is one URL messages are POSTed to.
type receiver struct {
	url   string // the full URL: a credential, never logged
	label string // what logs and `notify test` show
	// textOnly: Google Chat rejects a message with fields it does not
	// know ("Unknown name \"kind\""), so it gets {"text"} alone.
	textOnly bool
}

// label names a receiver without revealing its URL's credentials: Slack,
// Discord and Mattermost put the secret in the path, Google Chat in the
// query, others in user:password@. Only the position, scheme and host
// remain.
func label(i int, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Sprintf("#%d", i+1)
	}
	return fmt.Sprintf("#%d %s://%s/…", i+1, u.Scheme, u.Host)
}

// Result is a receiver's answer to one message.
type Result struct {
	Receiver string // the receiver's position, scheme and host: never its path or query (a credential)
	Status   int    // HTTP status; 0 when there was no answer
	Answer   string // the start of the answer's body, cleaned
	Attempts int
	Err      error // nil when the receiver answered 2xx
}

// Sender POSTs messages to receivers. It is safe for concurrent use.
type Sender struct {
	receivers []receiver
	client    *http.Client
	// sleep waits between attempts; tests make it instant.
	sleep func(ctx context.Context, d time.Duration) error
}

// NewSender builds a sender for urls (see ParseURLs); client nil means an
// http.Client with a 10s timeout.
func NewSender(urls []string, client *http.Client) *Sender {
	if client == nil {
		client = &http.Client{Timeout: requestTimeout}
	}
	s := &Sender{client: client, sleep: sleepCtx}
	for i, raw := range urls {
		r := receiver{url: raw, label: label(i, raw)}
		if u, err := url.Parse(raw); err == nil && strings.EqualFold(u.Hostname(), "chat.googleapis.com") {
			r.textOnly = true
		}
		s.receivers = append(s.receivers, r)
	}
	return s
}

// Send POSTs m once to every receiver, at once, and returns each answer in
// the order of the URLs (`leadbridge notify test`).
func (s *Sender) Send(ctx context.Context, m Message) []Result {
	return s.send(ctx, m, 1)
}

// send POSTs m to every receiver concurrently, each up to attempts times
// while the failure may pass (no answer, 429, 5xx).
func (s *Sender) send(ctx context.Context, m Message, attempts int) []Result {
	out := make([]Result, len(s.receivers))
	var wg sync.WaitGroup
	for i, r := range s.receivers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = s.sendTo(ctx, r, m, attempts)
		}()
	}
	wg.Wait()
	return out
}

func (s *Sender) sendTo(ctx context.Context, r receiver, m Message, attempts int) Result {
	body, err := encode(m, r.textOnly)
	if err != nil {
		return Result{Receiver: r.label, Err: err}
	}
	var res Result
	for try := 0; try < attempts; try++ {
		if try > 0 {
			if err := s.sleep(ctx, retryDelay(try)); err != nil {
				break
			}
		}
		var retry bool
		res, retry = s.post(ctx, r, body)
		res.Attempts = try + 1
		if res.Err == nil || !retry {
			break
		}
	}
	return res
}

func encode(m Message, textOnly bool) ([]byte, error) {
	if textOnly {
		return json.Marshal(struct {
			Text string `json:"text"`
		}{m.Text})
	}
	return json.Marshal(m)
}

// post makes one attempt and reports whether another may succeed.
func (s *Sender) post(ctx context.Context, r receiver, body []byte) (Result, bool) {
	res := Result{Receiver: r.label}
	// A stop lets a request in flight finish for stopGrace: cutting it off
	// once the receiver has the message would send it again at the next
	// start.
	parent := ctx
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), requestTimeout)
	defer cancel()
	defer context.AfterFunc(parent, func() { time.AfterFunc(stopGrace, cancel) })()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(body))
	if err != nil {
		res.Err = errors.New("cannot build the request")
		return res, false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "leadbridge")
	resp, err := s.client.Do(req)
	if err != nil {
		// *url.Error quotes the URL, which holds the credential.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		res.Err = err
		return res, ctx.Err() == nil || errors.Is(ctx.Err(), context.DeadlineExceeded)
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // reuse the connection
	res.Status = resp.StatusCode
	res.Answer = redactor{}.clean(string(head), 200)
	if resp.StatusCode/100 == 2 {
		return res, false
	}
	res.Err = fmt.Errorf("answered %s", resp.Status)
	return res, resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
}

// stopGrace is how long a request in flight may go on after a stop.
const stopGrace = 2 * time.Second

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
