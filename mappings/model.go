// Package mappings owns the mapping file: its YAML schema, loading and
// validation with file:line:col errors, and the gjson engine that turns a
// decoded webhook payload into Partnero lead request bodies.
package mappings

import (
	"time"
)

// providerList names the providers accepted in a mapping file, for messages.
const providerList = "typeform, hubspot, tally, webflow, calendly, jotform, generic"

func knownProvider(p string) bool {
	switch p {
	case "typeform", "hubspot", "tally", "webflow", "calendly", "jotform", "generic":
		return true
	}
	return false
}

// Config is a loaded, validated set of mapping files.
type Config struct {
	// Sources by name: the <source> of POST /hooks/<source>.
	Sources map[string]*Source
	// Files are the files the config was loaded from, sorted.
	Files []string
	// Hash identifies the content (SHA-256 over file names and bytes), for
	// metrics and for telling whether a reload changed anything.
	Hash string
}

// Source is one webhook endpoint and how its payloads become leads.
type Source struct {
	Name     string
	Provider string
	// File, Line and Col locate the source's definition (its name), for
	// messages.
	File      string
	Line, Col int

	Secrets   []Secret      // any one may match (key rotation)
	Tokens    []Secret      // any one may match
	URL       string        // public URL of the endpoint (HubSpot v2/v3 sign it)
	Signature *Signature    // provider generic only
	Tolerance time.Duration // replay window for timestamped schemes; default 5m
	RateLimit *RateLimit    // nil: no intake limit
	Insecure  bool          // explicitly unauthenticated

	When   []Condition
	Dedupe string // gjson path; "" means the SHA-256 of the raw body (or element)
	Each   string // gjson path of a batch array; "" means one lead per event

	PartnerMissing  string   // PartnerIgnore or PartnerFail
	FallbackPartner *Partner // literal partner for a second try after "Invalid partner key"
	APIKey          Secret   // partnero.api_key: deliver to another program; zero means the default key

	// Capture is set for a source written without lead: rules: its
	// verified webhooks are stored as captured, for a mapping to be
	// written from the payloads the provider really sends, then replayed.
	Capture bool
	Lead    LeadRules
}

// Values of Source.PartnerMissing.
const (
	PartnerIgnore = "ignore"
	PartnerFail   = "fail"
)

// DefaultTolerance is the replay window when a source sets none.
const DefaultTolerance = 5 * time.Minute

// Signature configures provider generic: the header carries Prefix followed
// by the encoded HMAC of the raw body.
type Signature struct {
	Header    string
	Algorithm string // sha1, sha256 (default), sha512
	Encoding  string // hex (default), base64
	Prefix    string
}

// RateLimit is a per-source intake limit: N requests per Per.
type RateLimit struct {
	N   int
	Per time.Duration
}

// LeadRules are the rules that build the Partnero lead.
type LeadRules struct {
	Name    *Rule
	Email   *Rule
	Partner PartnerRules
	// CFields by Partnero custom field id, in file order.
	CFields []CField
}

// PartnerRules identify the partner; any of them may be nil.
type PartnerRules struct {
	Key, ID, Email *Rule
}

// CField is one custom field rule.
type CField struct {
	ID   string
	Rule *Rule
	// Line and Col locate the field id's key in its file (the source's
	// File), for messages such as `check --online`'s.
	Line, Col int
}

// Partner identifies a Partnero partner in a request body.
type Partner struct {
	Key   string `json:"key,omitempty"`
	ID    string `json:"id,omitempty"`
	Email string `json:"email,omitempty"`
}

// IsZero reports whether no identifier is set.
func (p Partner) IsZero() bool { return p.Key == "" && p.ID == "" && p.Email == "" }

type ruleKind int

const (
	rulePath ruleKind = iota + 1
	ruleList
	ruleValue
	ruleTemplate
	ruleMap
)

// Rule computes one value from a payload: a gjson path, a list of
// fallbacks, a literal, a template or a translated path.
type Rule struct {
	kind       ruleKind
	path       string
	cpath      compiledPath
	list       []*Rule
	value      string
	tmpl       *template
	mapping    map[string]string
	def        string
	hasDefault bool
}

// Condition is one `when` entry; all must hold for an event to be mapped.
type Condition struct {
	Path string
	Op   string // equals, not_equals, in, not_in, exists
	// Values compared against (one for equals/not_equals).
	Values []string
	// Exists is the wanted presence for Op exists.
	Exists bool
}

// Condition operators.
const (
	OpEquals    = "equals"
	OpNotEquals = "not_equals"
	OpIn        = "in"
	OpNotIn     = "not_in"
	OpExists    = "exists"
)
