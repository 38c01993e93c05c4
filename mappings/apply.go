package mappings

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// Outcome says what became of one lead candidate.
type Outcome int

// Outcomes of Apply.
const (
	Mapped   Outcome = iota + 1 // a lead body is ready to send
	Ignored                     // a when condition failed, or no partner with partner_missing: ignore
	Failed                      // the mapping could not build a valid lead
	Captured                    // the source has no lead rules: the event is kept as it is
)

// String implements fmt.Stringer.
func (o Outcome) String() string {
	switch o {
	case Mapped:
		return "mapped"
	case Ignored:
		return "ignored"
	case Failed:
		return "failed"
	case Captured:
		return "captured"
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// Item is one lead candidate of an event: the event itself, or one element
// of an `each` batch.
type Item struct {
	// Index is the element's position in the batch (0 without each).
	Index int
	// DedupeKey identifies the candidate for intake dedupe: "k:" + the
	// dedupe path's value, or "h:" + the SHA-256 of the raw body (element).
	DedupeKey string
	Outcome   Outcome
	Reason    string // why it was ignored (may quote a payload value)
	// Rule is why it was ignored without any payload value (the condition
	// as written, or "no partner"): what an info log line may carry.
	Rule     string
	Lead     Lead      // when Mapped
	Problems []Failure // when Failed: every problem, not just the first
}

// Failure is one reason a mapping failed.
type Failure struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// String formats the failure as "field: message".
func (f Failure) String() string {
	if f.Field == "" {
		return f.Message
	}
	return f.Field + ": " + f.Message
}

// Note is a diagnostic from Explain: a rule that yielded nothing, with
// what it tried and what the payload offers instead.
type Note struct {
	Index   int
	Field   string
	Message string
	// MissingKey is set when the path stopped at an object that exists but
	// lacks the key asked for: a likely typo (see missingKey).
	MissingKey bool
}

// Apply runs the source on one event: raw is the body as received (for
// the default dedupe key), doc the decoded JSON document (with provider
// views). It never fails as a whole: every problem lands in an Item.
func (s *Source) Apply(raw []byte, doc string) []Item {
	items, _ := s.apply(raw, doc, false)
	return items
}

// Explain is Apply plus diagnostics for every rule that yielded nothing;
// it is slower and meant for `leadbridge try` and replay reports.
func (s *Source) Explain(raw []byte, doc string) ([]Item, []Note) {
	return s.apply(raw, doc, true)
}

func (s *Source) apply(raw []byte, doc string, trace bool) ([]Item, []Note) {
	if s.Capture {
		return []Item{s.capture(raw, doc)}, nil
	}
	var notes *[]Note
	if trace {
		notes = new([]Note)
	}
	if s.Each == "" {
		it := s.applyOne(0, doc, raw, notes)
		if notes != nil {
			return []Item{it}, *notes
		}
		return []Item{it}, nil
	}
	batch := gjson.Get(doc, s.Each)
	if !batch.IsArray() {
		it := Item{DedupeKey: HashKey(raw), Outcome: Failed}
		msg := fmt.Sprintf("path %q did not yield a list", s.Each)
		if !batch.Exists() {
			msg = fmt.Sprintf("path %q matched nothing", s.Each)
			if trace {
				msg += ": " + diagnose(doc, s.Each)
			}
		}
		it.Problems = []Failure{{Field: "each", Message: msg}}
		if notes != nil {
			return []Item{it}, *notes
		}
		return []Item{it}, nil
	}
	var items []Item
	i := 0
	batch.ForEach(func(_, elem gjson.Result) bool {
		items = append(items, s.applyOne(i, elem.Raw, []byte(elem.Raw), notes))
		i++
		return true
	})
	if notes != nil {
		return items, *notes
	}
	return items, nil
}

// capture is the one item of a source without lead rules: the event is
// deduped like any other (its dedupe path, else the hash of the body), and
// neither when nor each applies until lead rules exist to map it.
func (s *Source) capture(raw []byte, doc string) Item {
	key := HashKey(raw)
	if s.Each == "" {
		key = s.dedupeKey(doc, raw)
	}
	return Item{DedupeKey: key, Outcome: Captured}
}

// HashKey is the dedupe key of a raw body (or element) without a dedupe
// path: "h:" and its SHA-256 in hex.
func HashKey(b []byte) string {
	sum := sha256.Sum256(b)
	return "h:" + hex.EncodeToString(sum[:])
}

// dedupeKey computes the candidate's dedupe key. A dedupe path that yields
// nothing falls back to the hash, so exact retries are still caught.
func (s *Source) dedupeKey(elem string, raw []byte) string {
	if s.Dedupe != "" {
		r := gjson.Get(elem, s.Dedupe)
		v := r.String()
		if r.IsArray() || r.IsObject() {
			v = r.Raw
		}
		v = strings.TrimSpace(v)
		if v != "" {
			if len(v) > 200 {
				return HashKey([]byte(v))
			}
			return "k:" + v
		}
	}
	return HashKey(raw)
}

// applyOne runs dedupe, when and the lead rules on one element.
func (s *Source) applyOne(index int, elem string, raw []byte, notes *[]Note) Item {
	it := Item{Index: index, DedupeKey: s.dedupeKey(elem, raw)}
	for _, c := range s.When {
		if ok, why, got := c.holds(elem); !ok {
			it.Outcome = Ignored
			it.Reason, it.Rule = why+got, why
			return it
		}
	}
	ev := evaluator{cache: prefixCache{doc: elem}, index: index, notes: notes}
	var lead Lead
	var fails []Failure
	fail := func(field string, err error) { fails = append(fails, Failure{Field: field, Message: err.Error()}) }

	lead.Name, fails = ev.required(s.Lead.Name, "name", fails)
	lead.Email, fails = ev.required(s.Lead.Email, "email", fails)
	if lead.Email != "" && !ValidEmail(lead.Email) {
		fails = append(fails, Failure{Field: "email", Message: fmt.Sprintf("%q is not a valid email address", lead.Email)})
	}
	var perr error
	if lead.Partner.Key, perr = ev.single(s.Lead.Partner.Key, "partner.key"); perr != nil {
		fail("partner.key", perr)
	}
	if lead.Partner.ID, perr = ev.single(s.Lead.Partner.ID, "partner.id"); perr != nil {
		fail("partner.id", perr)
	}
	if lead.Partner.Email, perr = ev.single(s.Lead.Partner.Email, "partner.email"); perr != nil {
		fail("partner.email", perr)
	}
	if lead.Partner.Email != "" && !ValidEmail(lead.Partner.Email) {
		fails = append(fails, Failure{Field: "partner.email", Message: fmt.Sprintf("%q is not a valid email address", lead.Partner.Email)})
	}
	for _, cf := range s.Lead.CFields {
		field := "cfields." + cf.ID
		v, err := ev.eval(cf.Rule, field)
		if err != nil {
			fail(field, err)
			continue
		}
		if !v.IsEmpty() {
			lead.CFields = append(lead.CFields, FieldValue{ID: cf.ID, Value: v})
		}
	}
	if lead.Partner.IsZero() {
		if s.PartnerMissing != PartnerFail {
			// Organic traffic is not an affiliate lead, whatever else it lacks.
			it.Outcome = Ignored
			it.Reason, it.Rule = "no partner", "no partner"
			return it
		}
		fails = append(fails, Failure{Field: "partner", Message: "no partner identifier: " + ev.triedPartner(s.Lead.Partner)})
	}
	if len(fails) > 0 {
		it.Outcome = Failed
		it.Problems = fails
		return it
	}
	it.Outcome = Mapped
	it.Lead = lead
	return it
}

// evaluator evaluates rules on one document, collecting notes when tracing.
type evaluator struct {
	cache prefixCache
	index int
	notes *[]Note
}

func (ev *evaluator) get(cp *compiledPath, field string) (Value, error) {
	r := ev.cache.get(cp)
	v, err := fromResult(r)
	if err != nil {
		return Value{}, fmt.Errorf("path %q %w", cp.full, err)
	}
	if v.IsEmpty() && ev.notes != nil {
		*ev.notes = append(*ev.notes, Note{Index: ev.index, Field: field, Message: emptyMessage(ev.cache.doc, cp.full, r),
			MissingKey: !r.Exists() && missingKey(ev.cache.doc, cp.full)})
	}
	return v, nil
}

// eval computes a rule's value.
func (ev *evaluator) eval(r *Rule, field string) (Value, error) {
	if r == nil {
		return Value{}, nil
	}
	switch r.kind {
	case rulePath:
		return ev.get(&r.cpath, field)
	case ruleList:
		for _, sub := range r.list {
			v, err := ev.eval(sub, field)
			if err != nil || !v.IsEmpty() {
				return v, err
			}
		}
		return Value{}, nil
	case ruleValue:
		return Value{Str: r.value}, nil
	case ruleTemplate:
		s, err := r.tmpl.render(ev, field)
		return Value{Str: s}, err
	case ruleMap:
		v, err := ev.get(&r.cpath, field)
		if err != nil {
			return v, err
		}
		if v.IsEmpty() {
			if r.hasDefault {
				return Value{Str: r.def}, nil
			}
			return v, nil
		}
		if !v.IsList {
			return Value{Str: r.translate(v.Str)}, nil
		}
		out := make([]string, 0, len(v.List))
		for _, s := range v.List {
			if t := r.translate(s); t != "" {
				out = append(out, t)
			}
		}
		return Value{List: out, IsList: true}, nil
	}
	return Value{}, fmt.Errorf("unknown rule")
}

func (r *Rule) translate(s string) string {
	if t, ok := r.mapping[s]; ok {
		return t
	}
	if r.hasDefault {
		return r.def
	}
	return s
}

// single evaluates a rule that must give one string: a list of exactly
// one element is accepted as that element (form fields repeat).
func (ev *evaluator) single(r *Rule, field string) (string, error) {
	v, err := ev.eval(r, field)
	if err != nil {
		return "", err
	}
	if !v.IsList {
		return v.Str, nil
	}
	switch len(v.List) {
	case 0:
		return "", nil
	case 1:
		return v.List[0], nil
	}
	return "", fmt.Errorf("expected one value, got a list of %d (%s)", len(v.List), strings.Join(v.List, ", "))
}

// required evaluates a rule that must give a non-empty value, recording a
// failure that lists what it tried otherwise.
func (ev *evaluator) required(r *Rule, field string, fails []Failure) (string, []Failure) {
	s, err := ev.single(r, field)
	if err != nil {
		return "", append(fails, Failure{Field: field, Message: err.Error()})
	}
	if s == "" {
		return "", append(fails, Failure{Field: field, Message: "no value: " + r.describe() + " yielded nothing"})
	}
	return s, fails
}

func (ev *evaluator) triedPartner(pr PartnerRules) string {
	var parts []string
	for _, kv := range []struct {
		name string
		r    *Rule
	}{{"key", pr.Key}, {"id", pr.ID}, {"email", pr.Email}} {
		if kv.r != nil {
			parts = append(parts, kv.name+" from "+kv.r.describe())
		}
	}
	return strings.Join(parts, "; ") + " yielded nothing"
}

// describe names what a rule tries, for messages.
func (r *Rule) describe() string {
	if r == nil {
		return "no rule"
	}
	switch r.kind {
	case rulePath, ruleMap:
		return fmt.Sprintf("path %q", r.path)
	case ruleList:
		parts := make([]string, len(r.list))
		for i, sub := range r.list {
			parts[i] = sub.describe()
		}
		return strings.Join(parts, ", then ")
	case ruleValue:
		return "an empty value"
	case ruleTemplate:
		qs := make([]string, len(r.tmpl.paths))
		for i, p := range r.tmpl.paths {
			qs[i] = fmt.Sprintf("%q", p)
		}
		return "template paths " + strings.Join(qs, ", ")
	}
	return "rule"
}

// holds evaluates a condition; when it fails, why says so for the
// "ignored" answer, and got (" (got ...)", a payload value) adds what the
// path yielded.
func (c Condition) holds(doc string) (ok bool, why, got string) {
	r := gjson.Get(doc, c.Path)
	v, err := fromResult(r)
	if c.Op == OpExists {
		present := err == nil && !v.IsEmpty() || r.IsObject()
		if present == c.Exists {
			return true, "", ""
		}
		if c.Exists {
			return false, fmt.Sprintf("when: %s does not exist", c.Path), ""
		}
		return false, fmt.Sprintf("when: %s exists", c.Path), ""
	}
	match := false
	if err == nil {
		for _, want := range c.Values {
			if v.IsList {
				for _, got := range v.List {
					match = match || got == want
				}
			} else if v.Str == want {
				match = true
			}
		}
	}
	if c.Op == OpNotEquals || c.Op == OpNotIn {
		match = !match
	}
	if match {
		return true, "", ""
	}
	got = " (got nothing)"
	if r.Exists() {
		got = fmt.Sprintf(" (got %q)", truncate(r.String(), 60))
	}
	switch c.Op {
	case OpEquals:
		return false, fmt.Sprintf("when: %s equals %q did not hold", c.Path, c.Values[0]), got
	case OpNotEquals:
		return false, fmt.Sprintf("when: %s not_equals %q did not hold", c.Path, c.Values[0]), ""
	case OpIn:
		return false, fmt.Sprintf("when: %s in [%s] did not hold", c.Path, strings.Join(c.Values, ", ")), got
	default:
		return false, fmt.Sprintf("when: %s not_in [%s] did not hold", c.Path, strings.Join(c.Values, ", ")), got
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
