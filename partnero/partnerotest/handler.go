package partnerotest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// serveHTTP is the single entry point: record, count, then latency → down →
// script → route → method → auth → endpoint, the order in which a Laravel
// app behind a load balancer would answer.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w}
	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	key := bearer(r)
	isCreate := r.Method == http.MethodPost && r.URL.Path == "/v1/leads"

	s.mu.Lock()
	cfg := s.cfg // a snapshot: setters replace fields, never mutate them in place
	latency, down := s.latency, s.down
	var scripted *Response
	if isCreate {
		s.attempts++
		if !down && len(s.script) > 0 {
			scripted = &s.script[0]
			s.script = s.script[1:]
		}
	}
	s.mu.Unlock()

	at := cfg.now()
	defer func() {
		s.record(Request{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: body, APIKey: key,
			Status: rec.status, At: at,
		})
	}()

	switch {
	case !s.wait(r, latency):
		s.abort(rec, r)
	case down:
		writeMessage(rec, http.StatusServiceUnavailable, "Service Unavailable")
	case scripted != nil:
		s.serveScripted(rec, r, *scripted)
	case readErr != nil:
		writeMessage(rec, http.StatusBadRequest, "Could not read the request body.")
	case len(body) > maxBody:
		writeMessage(rec, http.StatusRequestEntityTooLarge, "Payload Too Large")
	default:
		s.route(rec, r, cfg, body, key)
	}
}

// route matches the path, then the method, then authenticates: Laravel
// answers 404 and 405 before its auth middleware runs.
func (s *Server) route(w http.ResponseWriter, r *http.Request, cfg config, body []byte, key string) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/")
	if !ok {
		notFound(w, r)
		return
	}
	var handler func()
	var allowed []string
	switch {
	case rest == "leads":
		allowed = []string{http.MethodGet, http.MethodPost}
		handler = func() {
			if r.Method == http.MethodPost {
				s.handleCreate(w, r, cfg, body, key)
			} else {
				s.handleList(w, r)
			}
		}
	case rest == "leads/details":
		allowed = []string{http.MethodGet}
		handler = func() { s.handleDetails(w, cfg) }
	case rest == "leads/convert" || rest == "leads/reject":
		allowed = []string{http.MethodGet, http.MethodPost}
		handler = func() { s.handleTransition(w, r, body, rest == "leads/convert") }
	case strings.HasPrefix(rest, "leads/") && !strings.Contains(rest[len("leads/"):], "/"):
		allowed = []string{http.MethodGet, http.MethodDelete}
		handler = func() { s.handleOne(w, r, rest[len("leads/"):]) }
	default:
		notFound(w, r)
		return
	}
	if !slices.Contains(allowed, r.Method) {
		writeMessage(w, http.StatusMethodNotAllowed, fmt.Sprintf(
			"The %s method is not supported for route %s. Supported methods: %s.",
			r.Method, strings.TrimPrefix(r.URL.Path, "/"), strings.Join(allowed, ", ")))
		return
	}
	if key == "" || !slices.Contains(cfg.keys, key) {
		writeMessage(w, http.StatusUnauthorized, "Unauthenticated.")
		return
	}
	handler()
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeMessage(w, http.StatusNotFound,
		fmt.Sprintf("The route %s could not be found.", strings.TrimPrefix(r.URL.Path, "/")))
}

// wantsJSON mirrors Laravel's Request::wantsJson: the first Accept type
// mentions JSON. "*/*" alone does not count.
func wantsJSON(r *http.Request) bool {
	first, _, _ := strings.Cut(r.Header.Get("Accept"), ",")
	first, _, _ = strings.Cut(first, ";")
	first = strings.TrimSpace(strings.ToLower(first))
	return strings.Contains(first, "/json") || strings.Contains(first, "+json")
}

// statusRecorder remembers the status written, for Requests.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (for Drop).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// bearer returns the token of "Authorization: Bearer <token>". Like
// Laravel's Request::bearerToken, the scheme must be spelled "Bearer ".
func bearer(r *http.Request) string {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	return strings.TrimSpace(token)
}

func messageBody(msg string) string {
	b, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{msg})
	return string(b)
}

func writeMessage(w http.ResponseWriter, status int, msg string) {
	writeRaw(w, status, []byte(messageBody(msg)))
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// mustJSON encodes values built from plain structs, maps and slices, which
// cannot fail to encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("partnerotest: encode: %v", err))
	}
	return b
}
