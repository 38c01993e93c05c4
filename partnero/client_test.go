package partnero_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/partnero"
	"github.com/leadbridge/leadbridge/partnero/partnerotest"
)

const (
	testKey   = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.lead-bridge-secret"
	validLead = `{"name":"Alice Brown","email":"alice@example.com","partner":{"key":"ref_123"}}`
)

// bundle is what each test gets: a fresh fake and a client pointed at it.
type bundle struct {
	fake   *partnerotest.Server
	client *partnero.Client
}

func setup(t *testing.T, opts ...partnerotest.Option) bundle {
	t.Helper()
	fake := partnerotest.New(append([]partnerotest.Option{partnerotest.WithAPIKey(testKey)}, opts...)...)
	t.Cleanup(fake.Close)
	client := partnero.New(partnero.Config{BaseURL: fake.URL(), Timeout: 10 * time.Second, UserAgent: "leadbridge/test"}, nil)
	return bundle{fake: fake, client: client}
}

// handlerClient points a client at a one-off handler, for answers the fake
// does not produce.
func handlerClient(t *testing.T, cfg partnero.Config, h http.HandlerFunc) (*partnero.Client, *httptest.Server) {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	cfg.BaseURL = ts.URL + "/v1"
	return partnero.New(cfg, nil), ts
}

func TestCreateLeadAgainstFake(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   []partnerotest.Option
		script []partnerotest.Response
		key    string
		body   string
		want   partnero.Result
		// messageHas is checked instead of an exact Message when set.
		messageHas string
	}{
		{
			name: "201 with id",
			want: partnero.Result{Outcome: partnero.Delivered, StatusCode: 201, LeadID: "1"},
		},
		{
			name:   "503",
			script: []partnerotest.Response{partnerotest.Unavailable()},
			want:   partnero.Result{Outcome: partnero.Retry, StatusCode: 503, Message: "Service Unavailable"},
		},
		{
			name:   "429 with Retry-After",
			script: []partnerotest.Response{partnerotest.TooManyRequests(2 * time.Second)},
			want:   partnero.Result{Outcome: partnero.Retry, StatusCode: 429, RetryAfter: 2 * time.Second, Message: "Too Many Attempts."},
		},
		{
			name:   "500",
			script: []partnerotest.Response{{Status: 500, Body: `{"message":"Server Error"}`}},
			want:   partnero.Result{Outcome: partnero.Retry, StatusCode: 500, Message: "Server Error"},
		},
		{
			name:   "408",
			script: []partnerotest.Response{{Status: 408}},
			want:   partnero.Result{Outcome: partnero.Retry, StatusCode: 408, Message: "Request Timeout"},
		},
		{
			name: "422 from real validation",
			body: `{"name":"","email":"nope","partner":{"key":"ref_123"}}`,
			want: partnero.Result{Outcome: partnero.Dead, StatusCode: 422,
				Message: "The name field is required. (and 1 more error) (email: The email field must be a valid email address.)"},
		},
		{
			name: "422 on a custom field",
			opts: []partnerotest.Option{partnerotest.WithForm(partnerotest.DefaultForm())},
			body: `{"name":"A","email":"a@example.com","partner":{"key":"k"},"cfields":{"89":"x","92":"radio9"}}`,
			want: partnero.Result{Outcome: partnero.Dead, StatusCode: 422, Message: "The selected cfields.92 is invalid."},
		},
		{
			name: "400 invalid partner key",
			opts: []partnerotest.Option{partnerotest.WithPartners("house")},
			want: partnero.Result{Outcome: partnero.Dead, StatusCode: 400, Message: "Invalid partner key", InvalidPartner: true},
		},
		{
			name:   "400 for another reason",
			script: []partnerotest.Response{{Status: 400, Body: `{"message":"Bad request"}`}},
			want:   partnero.Result{Outcome: partnero.Dead, StatusCode: 400, Message: "Bad request"},
		},
		{
			name:   "422 naming the partner",
			script: []partnerotest.Response{partnerotest.ValidationFailed("partner.key", "Invalid partner key.")},
			want:   partnero.Result{Outcome: partnero.Dead, StatusCode: 422, Message: "Invalid partner key.", InvalidPartner: true},
		},
		{
			name: "401 wrong key",
			key:  "some-other-key",
			want: partnero.Result{Outcome: partnero.AuthFailed, StatusCode: 401, Message: "Unauthenticated."},
		},
		{
			name:   "403",
			script: []partnerotest.Response{{Status: 403, Body: `{"message":"This action is unauthorized."}`}},
			want:   partnero.Result{Outcome: partnero.AuthFailed, StatusCode: 403, Message: "This action is unauthorized."},
		},
		{
			name:   "404",
			script: []partnerotest.Response{{Status: 404, Body: `{"message":"Not found"}`}},
			want:   partnero.Result{Outcome: partnero.Dead, StatusCode: 404, Message: "Not found"},
		},
		{
			name:   "409, another 4xx",
			script: []partnerotest.Response{{Status: 409, Body: `{"message":"Customer already registered"}`}},
			want:   partnero.Result{Outcome: partnero.Dead, StatusCode: 409, Message: "Customer already registered"},
		},
		{
			name:   "502 from a proxy in HTML",
			script: []partnerotest.Response{{Status: 502, Body: "<html><body><h1>502 Bad Gateway</h1></body></html>", Header: http.Header{"Content-Type": {"text/html"}}}},
			want:   partnero.Result{Outcome: partnero.Retry, StatusCode: 502, Message: "502 Bad Gateway"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tt.opts...)
			b.fake.Script(tt.script...)
			key := tt.key
			if key == "" {
				key = testKey
			}
			body := tt.body
			if body == "" {
				body = validLead
			}
			res, err := b.client.CreateLead(context.Background(), key, []byte(body))
			require.NoError(t, err)
			require.Equal(t, tt.want, res)
			require.Equal(t, 1, b.fake.Attempts())
		})
	}
}

func TestCreateLeadSendsHeadersAndBody(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res, err := b.client.CreateLead(context.Background(), testKey, []byte(validLead))
	require.NoError(t, err)
	require.Equal(t, partnero.Delivered, res.Outcome)

	reqs := b.fake.Requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	require.Equal(t, "POST", r.Method)
	require.Equal(t, "/v1/leads", r.Path)
	require.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
	require.Equal(t, "application/json", r.Header.Get("Accept"))
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	require.Equal(t, "leadbridge/test", r.Header.Get("User-Agent"))
	require.Equal(t, validLead, string(r.Body))
	require.Equal(t, validLead, string(b.fake.Leads()[0].Body), "the body is sent as given")
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	var ua, path atomic.Value
	client, ts := handlerClient(t, partnero.Config{}, func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.Header.Get("User-Agent"))
		path.Store(r.URL.Path)
		w.WriteHeader(201)
	})
	_, err := client.CreateLead(context.Background(), testKey, []byte(validLead))
	require.NoError(t, err)
	require.Equal(t, "leadbridge", ua.Load())

	// A trailing slash on the base URL does not double the slash.
	slashed := partnero.New(partnero.Config{BaseURL: ts.URL + "/v1/"}, nil)
	_, err = slashed.CreateLead(context.Background(), testKey, []byte(validLead))
	require.NoError(t, err)
	require.Equal(t, "/v1/leads", path.Load())
}

func TestCreateLeadEdgeCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    partnero.Result
	}{
		{
			name:    "200 without body",
			handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) },
			want:    partnero.Result{Outcome: partnero.Delivered, StatusCode: 200},
		},
		{
			name: "201 with a string id",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(201)
				_, _ = io.WriteString(w, `{"data":{"id":"L-7"},"status":1}`)
			},
			want: partnero.Result{Outcome: partnero.Delivered, StatusCode: 201, LeadID: "L-7"},
		},
		{
			name: "202 with a body that is not JSON",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(202)
				_, _ = io.WriteString(w, "queued")
			},
			want: partnero.Result{Outcome: partnero.Delivered, StatusCode: 202},
		},
		{
			name: "503 with an empty body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "120")
				w.WriteHeader(503)
			},
			want: partnero.Result{Outcome: partnero.Retry, StatusCode: 503, RetryAfter: 2 * time.Minute, Message: "Service Unavailable"},
		},
		{
			name: "429 with a malformed Retry-After",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "soon")
				w.WriteHeader(429)
			},
			want: partnero.Result{Outcome: partnero.Retry, StatusCode: 429, Message: "Too Many Requests"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, _ := handlerClient(t, partnero.Config{}, tt.handler)
			res, err := client.CreateLead(context.Background(), testKey, []byte(validLead))
			require.NoError(t, err)
			require.Equal(t, tt.want, res)
		})
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	client, _ := handlerClient(t, partnero.Config{}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", time.Now().Add(30*time.Second).UTC().Format(http.TimeFormat))
		w.WriteHeader(429)
	})
	res, err := client.CreateLead(context.Background(), testKey, []byte(validLead))
	require.NoError(t, err)
	require.Equal(t, partnero.Retry, res.Outcome)
	// HTTP-dates have whole seconds, and a loaded machine may take a while
	// between writing and reading the header.
	require.Greater(t, res.RetryAfter, 20*time.Second)
	require.LessOrEqual(t, res.RetryAfter, 30*time.Second)
}

func TestRedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	var followed atomic.Int32
	client, ts := handlerClient(t, partnero.Config{}, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed.Add(1)
			w.WriteHeader(201)
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	res, err := client.CreateLead(context.Background(), testKey, []byte(validLead))
	require.NoError(t, err)
	require.Equal(t, partnero.Dead, res.Outcome)
	require.Equal(t, 302, res.StatusCode)
	require.Contains(t, res.Message, "unexpected redirect")
	require.Contains(t, res.Message, ts.URL+"/elsewhere", "the target helps fix the base URL")
	require.Zero(t, followed.Load())

	// A caller's client is copied, not changed, and still does not follow.
	own := &http.Client{}
	res, err = partnero.New(partnero.Config{BaseURL: ts.URL + "/v1"}, own).CreateLead(context.Background(), testKey, []byte(validLead))
	require.NoError(t, err)
	require.Equal(t, partnero.Dead, res.Outcome)
	require.Zero(t, followed.Load())
	require.Nil(t, own.CheckRedirect)
}

func TestNetworkError(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.NotFoundHandler())
	base := ts.URL + "/v1"
	ts.Close() // nothing listens there any more

	client := partnero.New(partnero.Config{BaseURL: base}, nil)
	res, err := client.CreateLead(context.Background(), testKey, []byte(validLead))
	require.Error(t, err)
	require.Equal(t, partnero.Retry, res.Outcome)
	require.Zero(t, res.StatusCode)
	require.True(t, strings.HasPrefix(res.Message, "network error: "), res.Message)
	require.True(t, strings.HasPrefix(err.Error(), "partnero: create lead: "), err.Error())
	var opErr *net.OpError
	require.ErrorAs(t, err, &opErr, "the cause stays reachable")
}

func TestDroppedConnection(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Script(partnerotest.DropConnection())
	res, err := b.client.CreateLead(context.Background(), testKey, []byte(validLead))
	require.Error(t, err)
	require.Equal(t, partnero.Retry, res.Outcome)
	require.Equal(t, 1, b.fake.Attempts(), "a POST is never re-sent behind the caller's back")
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.SetLatency(time.Hour)
	client := partnero.New(partnero.Config{BaseURL: b.fake.URL(), Timeout: 50 * time.Millisecond}, nil)
	start := time.Now()
	res, err := client.CreateLead(context.Background(), testKey, []byte(validLead))
	require.Less(t, time.Since(start), time.Minute)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, partnero.Retry, res.Outcome)
	require.Zero(t, res.StatusCode)
	require.Equal(t, "timeout: no answer within 50ms", res.Message)
}

func TestCallersClientTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.SetLatency(time.Hour)
	client := partnero.New(partnero.Config{BaseURL: b.fake.URL()}, &http.Client{Timeout: 50 * time.Millisecond})
	res, err := client.CreateLead(context.Background(), testKey, []byte(validLead))
	require.Error(t, err)
	require.Equal(t, partnero.Retry, res.Outcome)
	require.True(t, strings.HasPrefix(res.Message, "timeout: "), res.Message)
}

func TestTimeoutCoversTheBody(t *testing.T) {
	t.Parallel()
	client, _ := handlerClient(t, partnero.Config{Timeout: 2 * time.Second}, func(w http.ResponseWriter, r *http.Request) {
		// The server notices a client hanging up only once the body is read.
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(503)
		w.(http.Flusher).Flush()
		select { // a body that never ends
		case <-r.Context().Done():
		case <-time.After(time.Hour):
		}
	})
	start := time.Now()
	res, err := client.CreateLead(context.Background(), testKey, []byte(validLead))
	require.NoError(t, err, "the status arrived; the cut body only shortens the message")
	require.Less(t, time.Since(start), time.Minute)
	require.Equal(t, partnero.Retry, res.Outcome)
	require.Equal(t, 503, res.StatusCode)
}

func TestContextCanceled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	res, err := b.client.CreateLead(ctx, testKey, []byte(validLead))
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, partnero.Retry, res.Outcome)
	require.Equal(t, "canceled: context canceled", res.Message)

	// Already canceled: nothing is sent.
	res, err = b.client.CreateLead(ctx, testKey, []byte(validLead))
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, partnero.Retry, res.Outcome)
}

// trackingTransport records how each response body was consumed.
type trackingTransport struct {
	mu     sync.Mutex
	bodies []*trackedBody
}

type trackedBody struct {
	io.ReadCloser
	read   atomic.Int64
	eof    atomic.Bool
	closed atomic.Bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read.Add(int64(n))
	if err == io.EOF {
		b.eof.Store(true)
	}
	return n, err
}

func (b *trackedBody) Close() error {
	b.closed.Store(true)
	return b.ReadCloser.Close()
}

func (tt *trackingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	tb := &trackedBody{ReadCloser: resp.Body}
	resp.Body = tb
	tt.mu.Lock()
	tt.bodies = append(tt.bodies, tb)
	tt.mu.Unlock()
	return resp, nil
}

func TestHugeErrorBodyIsTruncatedAndDrained(t *testing.T) {
	t.Parallel()
	const x = "xxxxxxxxxx"
	tests := []struct {
		name      string
		body      string
		wantMsg   string // exact, or "" to check truncation
		wantEOF   bool
		wantBytes int64
	}{
		{
			// Read to the end, so the keep-alive connection can be reused.
			name:    "1 MiB message is cut and drained",
			body:    `{"message":"` + strings.Repeat(x, 1<<20/len(x)) + `"}`,
			wantEOF: true,
		},
		{
			// Laravel in debug mode: the message comes before a long trace.
			name:    "message before a 1 MiB trace",
			body:    `{"message":"Server Error","exception":"ErrorException","trace":["` + strings.Repeat(x, 1<<20/len(x)) + `"]}`,
			wantMsg: "Server Error",
			wantEOF: true,
		},
		{
			// Past the bound the client stops reading and just closes.
			name:      "4 MiB is cut off",
			body:      `{"message":"` + strings.Repeat(x, 4<<20/len(x)) + `"}`,
			wantBytes: 64<<10 + 1<<20,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(500)
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(ts.Close)
			tracker := &trackingTransport{}
			// A generous timeout: a loaded machine must not cut the drain short.
			client := partnero.New(partnero.Config{BaseURL: ts.URL + "/v1", Timeout: time.Minute}, &http.Client{Transport: tracker})

			res, err := client.CreateLead(context.Background(), testKey, []byte(validLead))
			require.NoError(t, err)
			require.Equal(t, partnero.Retry, res.Outcome)
			if tt.wantMsg != "" {
				require.Equal(t, tt.wantMsg, res.Message)
			} else {
				require.LessOrEqual(t, len(res.Message), 300)
				require.Contains(t, res.Message, x)
				require.True(t, strings.HasSuffix(res.Message, "…"), "a cut message says so")
			}

			require.Len(t, tracker.bodies, 1)
			body := tracker.bodies[0]
			require.True(t, body.closed.Load(), "closed")
			require.Equal(t, tt.wantEOF, body.eof.Load())
			if tt.wantEOF {
				require.Equal(t, int64(len(tt.body)), body.read.Load())
			} else {
				require.GreaterOrEqual(t, body.read.Load(), tt.wantBytes)
				require.Less(t, body.read.Load(), int64(len(tt.body)), "bounded")
			}
		})
	}
}

func TestInvalidKeyIsNotSent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, key := range []string{"", testKey + "\n", "a\x00b"} {
		res, err := b.client.CreateLead(context.Background(), key, []byte(validLead))
		require.NoError(t, err)
		require.Equal(t, partnero.AuthFailed, res.Outcome)
		require.Contains(t, res.Message, "api key")
		if key != "" {
			require.NotContains(t, res.Message, key)
		}
		_, err = b.client.LeadForm(context.Background(), key)
		require.Error(t, err)
	}
	require.Empty(t, b.fake.Requests())
}

func TestConcurrentCreateLead(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.FailNext(5, 503, "", nil)
	var wg sync.WaitGroup
	var delivered, retried atomic.Int32
	for range 40 {
		wg.Go(func() {
			res, err := b.client.CreateLead(context.Background(), testKey, []byte(validLead))
			if err != nil {
				t.Error(err)
				return
			}
			switch res.Outcome {
			case partnero.Delivered:
				delivered.Add(1)
			case partnero.Retry:
				retried.Add(1)
			}
		})
	}
	wg.Wait()
	require.Equal(t, int32(35), delivered.Load())
	require.Equal(t, int32(5), retried.Load())
	require.Len(t, b.fake.Leads(), 35)
}

func TestLeadFormDefault(t *testing.T) {
	t.Parallel()
	b := setup(t)
	form, err := b.client.LeadForm(context.Background(), testKey)
	require.NoError(t, err)
	require.True(t, form.LeadsEnabled, `the fake sends the string "true"`)
	require.Len(t, form.Fields, 7)
	require.Equal(t, partnero.FormField{ID: 88, Type: "text", Text: "<p>Text custom field</p>", Options: []string{}}, form.Fields[0])
	require.Equal(t, partnero.FormField{ID: 89, Type: "input", Title: "Input custom field", Required: true, Options: []string{}}, form.Fields[1])
	require.Equal(t, partnero.FormField{ID: 91, Type: "checkbox", Title: "Custom field chbx", Options: []string{"chbx1", "chbx2", "chbx3"}}, form.Fields[3])
	require.Equal(t, 94, form.Fields[6].ID)

	r := b.fake.Requests()[0]
	require.Equal(t, "GET", r.Method)
	require.Equal(t, "/v1/leads/details", r.Path)
	require.Equal(t, "application/json", r.Header.Get("Accept"))
	require.Empty(t, r.Header.Get("Content-Type"), "no body, no content type")
}

func TestLeadFormVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want partnero.LeadForm
	}{
		{
			name: "boolean leads_enabled",
			body: `{"data":{"leads_enabled":true,"leads_custom_form_fields":[]},"status":1}`,
			want: partnero.LeadForm{LeadsEnabled: true},
		},
		{
			name: `string "false"`,
			body: `{"data":{"leads_enabled":"false","leads_custom_form_fields":[]},"status":1}`,
			want: partnero.LeadForm{LeadsEnabled: false},
		},
		{
			name: "loose types: id and required as strings, description set, options null",
			body: `{"data":{"leads_enabled":1,"leads_custom_form_fields":[
				{"id":"5","type":"input","title":"Company","text":"","description":"Where you work","required":"1","options":null}]},"status":1}`,
			want: partnero.LeadForm{LeadsEnabled: true, Fields: []partnero.FormField{
				{ID: 5, Type: "input", Title: "Company", Description: ptr("Where you work"), Required: true}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, partnerotest.WithFormJSON([]byte(tt.body)))
			form, err := b.client.LeadForm(context.Background(), testKey)
			require.NoError(t, err)
			require.Equal(t, tt.want, form)
		})
	}
}

func ptr(s string) *string { return &s }

func TestLeadFormErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.client.LeadForm(context.Background(), "wrong-key")
	var apiErr *partnero.APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, &partnero.APIError{StatusCode: 401, Message: "Unauthenticated."}, apiErr)
	require.Equal(t, "partnero: status 401: Unauthenticated.", err.Error())

	b.fake.SetDown(true)
	_, err = b.client.LeadForm(context.Background(), testKey)
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 503, apiErr.StatusCode)

	client, _ := handlerClient(t, partnero.Config{}, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"status":1}`)
	})
	_, err = client.LeadForm(context.Background(), testKey)
	require.EqualError(t, err, "partnero: lead form: decode: answer has no data object")
	require.False(t, errors.As(err, &apiErr))

	client, _ = handlerClient(t, partnero.Config{}, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login", http.StatusFound)
	})
	_, err = client.LeadForm(context.Background(), testKey)
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 302, apiErr.StatusCode)
	require.Contains(t, apiErr.Message, "unexpected redirect")

	ts := httptest.NewServer(http.NotFoundHandler())
	ts.Close()
	_, err = partnero.New(partnero.Config{BaseURL: ts.URL}, nil).LeadForm(context.Background(), testKey)
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), "partnero: lead form: "), err.Error())
	require.False(t, errors.As(err, &apiErr))
}
