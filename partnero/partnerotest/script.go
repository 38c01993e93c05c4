package partnerotest

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Response is a scripted answer to POST /leads, served instead of normal
// handling (before authentication and validation) by Script or FailNext.
type Response struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// Body is sent verbatim; Content-Type is application/json unless Header
	// sets it.
	Body string
	// Header holds extra response headers, such as Retry-After.
	Header http.Header
	// Delay holds the answer back this long (or until the client gives up),
	// to make exactly one attempt time out.
	Delay time.Duration
	// Drop closes the connection without any answer, which a client sees as
	// a network error.
	Drop bool
}

// Unavailable is a 503 {"message":"Service Unavailable"}.
func Unavailable() Response {
	return Response{Status: http.StatusServiceUnavailable, Body: messageBody("Service Unavailable")}
}

// TooManyRequests is a 429 {"message":"Too Many Attempts."} with Laravel's
// X-RateLimit-* headers and, when retryAfter > 0, Retry-After in whole
// seconds (rounded up).
func TooManyRequests(retryAfter time.Duration) Response {
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "60")
	h.Set("X-RateLimit-Remaining", "0")
	if retryAfter > 0 {
		secs := (retryAfter + time.Second - 1) / time.Second
		h.Set("Retry-After", strconv.FormatInt(int64(secs), 10))
	}
	return Response{Status: http.StatusTooManyRequests, Body: messageBody("Too Many Attempts."), Header: h}
}

// ValidationFailed is a Laravel-style 422 with one error on field, e.g.
// ValidationFailed("email", "The email field is required.").
func ValidationFailed(field, message string) Response {
	var errs fieldErrors
	errs.add(field, message)
	return Response{Status: http.StatusUnprocessableEntity, Body: string(errs.body())}
}

// InvalidPartnerKey is a 400 {"message":"Invalid partner key"}, Partnero's
// documented answer to an unknown partner.
func InvalidPartnerKey() Response {
	return Response{Status: http.StatusBadRequest, Body: messageBody("Invalid partner key")}
}

// Unauthenticated is a 401 {"message":"Unauthenticated."}.
func Unauthenticated() Response {
	return Response{Status: http.StatusUnauthorized, Body: messageBody("Unauthenticated.")}
}

// DropConnection closes the connection without answering.
func DropConnection() Response { return Response{Drop: true} }

// Script queues responses; each POST /leads consumes the next one, in
// order, while the server is not down. Other endpoints are unaffected.
func (s *Server) Script(responses ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range responses {
		r.Header = r.Header.Clone()
		s.script = append(s.script, r)
	}
}

// FailNext queues n identical responses with status, body and header. An
// empty body becomes {"message":"<status text>"}.
func (s *Server) FailNext(n, status int, body string, header http.Header) {
	if body == "" {
		body = messageBody(http.StatusText(status))
	}
	r := Response{Status: status, Body: body, Header: header}
	s.Script(slices.Repeat([]Response{r}, n)...)
}

// Pending returns how many scripted responses have not been served yet.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.script)
}

// SetLatency delays every answer by d (0 turns it off). A client that gives
// up first sees a timeout; nothing is created for it.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetDown makes every request answer 503 {"message":"Service Unavailable"}
// while down is true. Scripted responses wait until it is false again.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// SetAPIKeys replaces the accepted keys, e.g. to revoke the key a running
// bridge uses (SetAPIKeys()) and restore it later.
func (s *Server) SetAPIKeys(keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.keys = slices.Clone(keys)
}

// serveScripted writes r, honouring Delay and Drop.
func (s *Server) serveScripted(w http.ResponseWriter, req *http.Request, r Response) {
	if !s.wait(req, r.Delay) {
		s.abort(w, req)
		return
	}
	if r.Drop {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
			return
		}
		panic(http.ErrAbortHandler) // not hijackable (HTTP/2): abort the stream instead
	}
	maps.Copy(w.Header(), r.Header)
	if w.Header().Get("Content-Type") == "" && r.Body != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	status := r.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(r.Body))
}

// wait sleeps d, returning false early when the client gives up or the
// server is closing.
func (s *Server) wait(req *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-req.Context().Done():
		return false
	case <-s.done:
		return false
	}
}

// abort ends a request cut short by wait. If the client is gone nothing is
// written; if the server is closing the client gets a 503, never the empty
// 200 that returning silently would produce.
func (s *Server) abort(w http.ResponseWriter, req *http.Request) {
	if req.Context().Err() != nil {
		return
	}
	writeMessage(w, http.StatusServiceUnavailable, "Service Unavailable")
}
