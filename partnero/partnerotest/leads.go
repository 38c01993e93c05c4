package partnerotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// lead is a stored lead, shaped exactly as Partnero's Lead object (§3).
type lead struct {
	ID             int       `json:"id"`
	Status         string    `json:"status"`     // submitted | converted | rejected
	CreatedAt      string    `json:"created_at"` // date only, Y-m-d
	LeadInfo       leadInfo  `json:"lead_info"`
	ConvertedTo    *customer `json:"converted_to"`
	Submitter      submitter `json:"submitter"`
	SubmissionForm []qa      `json:"submission_form"`
	CanBeConverted bool      `json:"can_be_converted"`
	CanBeRejected  bool      `json:"can_be_rejected"`
}

type leadInfo struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type customer struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type submitter struct {
	ID    string `json:"id"` // a string in Partnero, e.g. "partner_123"
	Name  string `json:"name"`
	Email string `json:"email"`
}

type qa struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// dataEnvelope is Partnero's success envelope {"data": ..., "status": 1}.
type dataEnvelope struct {
	Data   any `json:"data"`
	Status int `json:"status"`
}

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, cfg config, body []byte, key string) {
	in, errs := validateLead(body, cfg)

	s.mu.Lock()
	if errs.empty() && cfg.rejectDuplicates && s.hasEmailLocked(in.email) {
		errs.add("email", "The email has already been taken.")
	}
	// Validation (422) runs before the partner lookup (400), as a Laravel
	// form request runs before the controller.
	invalidPartner := errs.empty() && cfg.partners != nil && in.partner.Key != "" && !cfg.partners[in.partner.Key]
	var answer []byte
	if errs.empty() && !invalidPartner {
		l := s.createLocked(in, cfg)
		s.received = append(s.received, ReceivedLead{
			ID: l.ID, Name: in.name, Email: in.email, Partner: in.partner,
			CFields: in.cfields, Body: body, APIKey: key, At: cfg.now(),
		})
		answer = mustJSON(dataEnvelope{Data: l, Status: 1})
	}
	s.mu.Unlock()

	switch {
	case !errs.empty() && cfg.acceptRedirect && !wantsJSON(r):
		// Laravel redirects browsers back with the errors in the session.
		w.Header().Set("Location", strings.TrimSuffix(s.base, "/v1")+"/")
		w.WriteHeader(http.StatusFound)
	case !errs.empty():
		writeRaw(w, http.StatusUnprocessableEntity, errs.body())
	case invalidPartner:
		writeMessage(w, http.StatusBadRequest, "Invalid partner key")
	default:
		writeRaw(w, http.StatusCreated, answer)
	}
}

func (s *Server) hasEmailLocked(email string) bool {
	for _, l := range s.store {
		if strings.EqualFold(l.LeadInfo.Email, email) {
			return true
		}
	}
	return false
}

func (s *Server) createLocked(in leadInput, cfg config) *lead {
	l := &lead{
		ID:             s.nextID,
		Status:         "submitted",
		CreatedAt:      cfg.now().UTC().Format("2006-01-02"),
		LeadInfo:       leadInfo{Name: in.name, Email: in.email},
		Submitter:      submitterFor(in.partner),
		SubmissionForm: submissionForm(in, cfg.form),
		CanBeConverted: true,
		CanBeRejected:  true,
	}
	s.nextID++
	s.store = append(s.store, l)
	return l
}

// submitterFor invents the partner's record from what the lead names. The
// fake has no partner directory, so missing parts are placeholders.
func submitterFor(p Partner) submitter {
	ref := p.Key
	if ref == "" {
		ref = p.ID
	}
	if ref == "" {
		ref = p.Email
	}
	sub := submitter{ID: p.ID, Name: "Partner " + ref, Email: p.Email}
	if sub.ID == "" {
		sub.ID = "partner_" + ref
	}
	if sub.Email == "" {
		sub.Email = slug(ref) + "@partners.example"
	}
	return sub
}

// slug lower-cases s and replaces runs of other than [a-z0-9._-] with "-",
// to build a syntactically valid placeholder address.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' {
			b.WriteRune(c)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return b.String()
}

// submissionForm lists Name and Email address, then each filled custom
// field in form order under its title; ids not in the form come last under
// their id. Arrays are joined with ", " (Partnero's rendering is unknown).
func submissionForm(in leadInput, form formState) []qa {
	out := []qa{{"Name", in.name}, {"Email address", in.email}}
	seen := map[string]bool{}
	for _, f := range form.fields {
		k := strconv.Itoa(f.ID)
		if v, ok := in.cfields[k]; ok && f.Type != "text" {
			out = append(out, qa{f.Title, answerText(v)})
			seen[k] = true
		}
	}
	var rest []string
	for k := range in.cfields {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sortKeys(rest)
	for _, k := range rest {
		out = append(out, qa{k, answerText(in.cfields[k])})
	}
	return out
}

func answerText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []string:
		return strings.Join(v, ", ")
	default:
		return string(mustJSON(v))
	}
}

// handleList is GET /leads: ?limit (default 15, 1..250) and ?page, with
// Laravel's simple-paginator links and meta. Oldest first, or newest first
// with ?sort=desc (the n8n node's parameter).
func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := intParam(q, "limit", 15)
	limit = min(max(limit, 1), 250)
	page := max(intParam(q, "page", 1), 1)

	s.mu.Lock()
	all := make([]lead, len(s.store))
	for i, l := range s.store {
		all[i] = *l
	}
	s.mu.Unlock()
	if strings.EqualFold(q.Get("sort"), "desc") {
		for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
			all[i], all[j] = all[j], all[i]
		}
	}

	start := min((page-1)*limit, len(all))
	end := min(start+limit, len(all))
	items := all[start:end]
	path := s.base + "/leads"
	pageURL := func(p int) string {
		v := url.Values{}
		if q.Has("limit") {
			v.Set("limit", strconv.Itoa(limit)) // keep the page size when following links
		}
		v.Set("page", strconv.Itoa(p))
		return path + "?" + v.Encode()
	}
	var from, to, prev, next any // null unless set
	if len(items) > 0 {
		from, to = start+1, end
	}
	if page > 1 {
		prev = pageURL(page - 1)
	}
	if end < len(all) {
		next = pageURL(page + 1)
	}
	writeRaw(w, http.StatusOK, mustJSON(map[string]any{
		"data": items,
		"links": map[string]any{
			"first": pageURL(1), "last": nil, "prev": prev, "next": next,
		},
		"meta": map[string]any{
			"current_page": page, "from": from, "path": path, "per_page": limit, "to": to,
		},
		"status": 1,
	}))
}

func intParam(q url.Values, name string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(q.Get(name)))
	if err != nil {
		return def
	}
	return n
}

// handleOne is GET or DELETE /leads/{id}.
func (s *Server) handleOne(w http.ResponseWriter, r *http.Request, idText string) {
	id, err := strconv.Atoi(idText)
	s.mu.Lock()
	i := s.indexLocked(id)
	var answer []byte
	switch {
	case err != nil || i < 0:
	case r.Method == http.MethodDelete:
		s.store = append(s.store[:i], s.store[i+1:]...)
		answer = []byte(`{"status":1}`)
	default:
		answer = mustJSON(dataEnvelope{Data: s.store[i], Status: 1})
	}
	s.mu.Unlock()
	if answer == nil {
		writeMessage(w, http.StatusNotFound, "Lead not found")
		return
	}
	writeRaw(w, http.StatusOK, answer)
}

func (s *Server) indexLocked(id int) int {
	for i, l := range s.store {
		if l.ID == id {
			return i
		}
	}
	return -1
}

// handleTransition is convert or reject, accepting both the documented GET
// with query parameters and the n8n node's POST with a JSON body.
func (s *Server) handleTransition(w http.ResponseWriter, r *http.Request, body []byte, convert bool) {
	params := map[string]json.RawMessage{}
	if r.Method == http.MethodPost {
		_ = json.Unmarshal(body, &params) // unparseable: empty, as Laravel reads it
	}
	for k, v := range r.URL.Query() {
		if _, ok := params[k]; !ok && len(v) > 0 {
			params[k] = mustJSON(v[0])
		}
	}
	errs := &fieldErrors{}
	id, idOK := numberParam(params["id"], true, "id", errs)
	if convert {
		numberParam(params["commission_transaction_amount"], false, "commission transaction amount", errs)
	}
	if !errs.empty() {
		writeRaw(w, http.StatusUnprocessableEntity, errs.body())
		return
	}

	s.mu.Lock()
	i := -1
	if idOK {
		i = s.indexLocked(int(id))
	}
	var answer []byte
	done := false
	if i >= 0 && s.store[i].Status == "submitted" {
		l := s.store[i]
		if convert {
			l.Status = "converted"
			l.ConvertedTo = &customer{Key: fmt.Sprintf("CUST%08d", l.ID), Name: l.LeadInfo.Name, Email: l.LeadInfo.Email}
		} else {
			l.Status = "rejected"
		}
		l.CanBeConverted, l.CanBeRejected = false, false
		answer = mustJSON(dataEnvelope{Data: l, Status: 1})
		done = true
	}
	s.mu.Unlock()

	switch {
	case i < 0:
		writeMessage(w, http.StatusNotFound, "Lead not found")
	case !done:
		var e fieldErrors
		e.add("id", "The lead has already been converted or rejected.")
		writeRaw(w, http.StatusUnprocessableEntity, e.body())
	default:
		writeRaw(w, http.StatusOK, answer)
	}
}

// numberParam validates a required numeric parameter given as a JSON number
// or a numeric string (query parameters are strings). attr is the
// attribute's display name in messages, as Laravel shows it.
func numberParam(raw json.RawMessage, integer bool, attr string, errs *fieldErrors) (float64, bool) {
	field := strings.ReplaceAll(attr, " ", "_")
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil || v == nil || v == "" {
		errs.add(field, "The "+attr+" field is required.")
		return 0, false
	}
	var n float64
	switch v := v.(type) {
	case float64:
		n = v
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			errs.add(field, "The "+attr+" field must be a number.")
			return 0, false
		}
		n = f
	default:
		errs.add(field, "The "+attr+" field must be a number.")
		return 0, false
	}
	if integer && n != float64(int64(n)) {
		errs.add(field, "The "+attr+" field must be an integer.")
		return 0, false
	}
	return n, true
}
