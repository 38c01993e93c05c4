package partnerotest

import (
	"maps"
	"net/http"
	"slices"
	"time"
)

// Partner is the partner identification a lead was submitted with
// (partner.key, partner.id, partner.email); unset ones are empty.
type Partner struct {
	Key, ID, Email string
}

// ReceivedLead is a lead the fake created (answered 201).
type ReceivedLead struct {
	// ID is the data.id the fake answered.
	ID int
	// Name, Email and Partner are the decoded, trimmed request fields.
	Name, Email string
	Partner     Partner
	// CFields are the decoded custom fields: a string, a []string for an
	// array of strings, or the JSON value (json.Number for numbers).
	// Empty values are left out. Nil when the lead had none.
	CFields map[string]any
	// Body is the raw request body.
	Body []byte
	// APIKey is the bearer token the lead was sent with.
	APIKey string
	// At is when the lead was created.
	At time.Time
}

// Request is any request the fake received, whatever its outcome.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the URL path, e.g. "/v1/leads"; Query its raw query.
	Path, Query string
	// Header holds the request headers as received.
	Header http.Header
	// Body is the raw request body (up to the 10 MiB limit).
	Body []byte
	// APIKey is the bearer token sent, "" when none.
	APIKey string
	// Status is the status answered; 0 when none was (connection dropped,
	// or the client gave up during a delay).
	Status int
	// At is when the request arrived.
	At time.Time
}

// Leads returns the leads created so far, oldest first. Deleting a lead
// through the API does not remove it here.
func (s *Server) Leads() []ReceivedLead {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ReceivedLead, len(s.received))
	for i, l := range s.received {
		l.Body = slices.Clone(l.Body)
		l.CFields = maps.Clone(l.CFields)
		out[i] = l
	}
	return out
}

// Requests returns every request received so far, in the order their
// answers completed.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Header = r.Header.Clone()
		r.Body = slices.Clone(r.Body)
		out[i] = r
	}
	return out
}

// Attempts returns how many POST /leads requests arrived, including those
// answered with a failure. It counts on arrival, before any latency.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
}
