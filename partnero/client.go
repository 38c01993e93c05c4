package partnero

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// DefaultBaseURL is the Partnero API base used when Config.BaseURL is empty.
const DefaultBaseURL = "https://api.partnero.com/v1"

// DefaultTimeout bounds one request (connect, send, answer and body) when
// Config.Timeout is zero.
const DefaultTimeout = 15 * time.Second

const (
	defaultUserAgent = "leadbridge"

	// maxReadBytes is how much of an answer is kept in memory: enough for a
	// lead object or a validation error, small enough that a misbehaving
	// proxy cannot make us buffer megabytes per attempt.
	maxReadBytes = 64 << 10

	// maxFormBytes is the larger read limit for the lead form, which lists
	// every custom field and must be decoded whole.
	maxFormBytes = 1 << 20

	// maxDrainBytes is how much more is read and discarded after
	// maxReadBytes so the keep-alive connection can be reused. Past it the
	// connection is simply closed: a new TLS handshake is cheaper than
	// reading megabytes of an error page.
	maxDrainBytes = 1 << 20
)

// Config configures a Client.
type Config struct {
	// BaseURL is the API base including the version, e.g.
	// "https://api.partnero.com/v1". Empty means DefaultBaseURL; a trailing
	// slash is tolerated.
	BaseURL string
	// Timeout bounds each request, including reading the answer. Zero (or a
	// negative value) means DefaultTimeout.
	Timeout time.Duration
	// UserAgent is sent with every request, e.g. "leadbridge/1.2.0". Empty
	// means "leadbridge".
	UserAgent string
}

// Client talks to the Partnero REST API. It is safe for concurrent use.
type Client struct {
	base      string
	timeout   time.Duration
	userAgent string
	hc        *http.Client
	now       func() time.Time // injectable so Retry-After dates test exactly
}

// New returns a Client for cfg. A nil hc gets a client with dial, TLS and
// idle timeouts; a non-nil hc is copied, not modified. Either way the Client
// never follows redirects: Partnero's API does not redirect, so a redirect
// means a misconfigured base URL, and following it would re-send the lead
// (and the Authorization header) somewhere else.
func New(cfg Config, hc *http.Client) *Client {
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if base == "" {
		base = DefaultBaseURL
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ua := strings.TrimSpace(cfg.UserAgent)
	if ua == "" {
		ua = defaultUserAgent
	}
	var client http.Client
	if hc != nil {
		client = *hc
	} else {
		client = http.Client{Transport: defaultTransport()}
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}
	return &Client{base: base, timeout: timeout, userAgent: ua, hc: &client, now: time.Now}
}

// defaultTransport is a fresh transport (never http.DefaultTransport, which
// other code may reconfigure) whose own timeouts stop a stuck dial or TLS
// handshake independently of the per-request context.
func defaultTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16, // several delivery workers share one host
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// answer is a response whose body has been read (bounded), drained and closed.
type answer struct {
	status   int
	header   http.Header
	body     []byte
	location string // a redirect's target, resolved against the request URL
}

// do sends one request and reads its answer. The per-request timeout covers
// the body too, which is why the body is consumed here and not by callers.
// The returned error is the transport's, unwrapped; callers add context and
// redact it.
func (c *Client) do(ctx context.Context, method, path, apiKey string, body []byte, readLimit int64) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	// Without Accept: application/json a Laravel back end may answer a
	// validation failure with a redirect instead of a JSON 422.
	req.Header.Set("Accept", "application/json")
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", c.userAgent)

	resp, err := c.hc.Do(req)
	if err != nil {
		return answer{}, err
	}
	// A failed body read is ignored: the status line already decided the
	// outcome, and a lead answered 201 was created even if its body was cut.
	raw, _ := readAndDrain(resp.Body, readLimit)
	ans := answer{status: resp.StatusCode, header: resp.Header, body: raw}
	if loc, err := resp.Location(); err == nil {
		ans.location = loc.Redacted()
	}
	return ans, nil
}

// readAndDrain reads up to limit bytes, discards up to maxDrainBytes more so
// the connection can go back to the pool, and closes the body.
func readAndDrain(body io.ReadCloser, limit int64) ([]byte, error) {
	defer body.Close()
	raw, err := io.ReadAll(io.LimitReader(body, limit))
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxDrainBytes))
	return raw, err
}

// validKey reports whether apiKey can be sent at all. An empty key or one
// with control characters (typically a trailing newline from a secrets file)
// would otherwise fail inside net/http as a transport error and be retried
// as if Partnero were down.
func validKey(apiKey string) bool {
	if apiKey == "" {
		return false
	}
	for i := 0; i < len(apiKey); i++ {
		if b := apiKey[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

// invalidKeyMessage explains a key rejected by validKey without showing it.
const invalidKeyMessage = "api key is empty or contains characters not allowed in an HTTP header (a trailing newline?)"
