// Package draft writes a mapping source from a stored webhook, so that a
// user maps the payloads a provider really sends instead of writing paths
// by hand (`leadbridge init`, the console's draft-from-captured).
//
// It is pure: no I/O. The draft keeps the event's source's provider and
// authentication (secrets as the ${VAR} they were written with), and finds
// the lead's rules in the payload: the email by the shape of its value,
// the name by the labels of its fields (provider views and question
// titles), the partner key among hidden fields and parameters named like
// referral links' (ref, partner, aff, via, utm_campaign...). Every other
// answer is listed as a commented cfields candidate with its question.
package draft

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/tidwall/gjson"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/providers"
)

// Input is a stored event to draft a source from.
type Input struct {
	Name        string           // the new source's name (default: the event's source name)
	SourceName  string           // the event's source name
	Source      *mappings.Source // that source as configured now (provider, auth, url, signature...); nil if gone
	ContentType string
	Payload     []byte
}

// Result is the drafted source.
type Result struct {
	YAML                    []byte // a whole `sources:` document; `check` accepts it as printed (secrets as ${VAR})
	Email, Name, PartnerKey string // the rule paths chosen ("" when none found)
}

// Errors of Source that callers branch on, wrapped.
var (
	// ErrPayload: the payload cannot be decoded for its content type.
	ErrPayload = errors.New("payload cannot be decoded")
	// ErrSourceName: the new source's name cannot be a source name.
	ErrSourceName = errors.New("invalid source name")
)

var sourceNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Source drafts a source from one stored event. The draft loads (given its
// variables) and maps the event it came from when an email was found; when
// no partner key was found the event maps to "ignored" (no partner) until
// the key's path is filled in.
func Source(in Input) (*Result, error) {
	name := in.Name
	if name == "" {
		name = in.SourceName
	}
	if !sourceNameRe.MatchString(name) {
		return nil, fmt.Errorf("draft: %w %q: use letters, digits, '-', '_' or '.', at most 64 characters", ErrSourceName, cut(name))
	}
	provider, err := providerOf(in)
	if err != nil {
		return nil, err
	}
	doc, err := providers.Decode(provider, in.ContentType, in.Payload)
	if err != nil {
		return nil, fmt.Errorf("draft: %w: %w", ErrPayload, err)
	}
	d := &drafter{in: in, name: name, provider: provider, doc: string(doc)}
	return d.draft()
}

// drafter holds one draft in the making.
type drafter struct {
	in       Input
	name     string
	provider string
	doc      string // decoded, with the provider's view
	each     string
	rules    rules
	dedupe   string
	when     []mappings.Condition
}

func (d *drafter) draft() (*Result, error) {
	fieldsDoc, viewProvider := d.doc, d.provider
	if src := d.in.Source; src != nil {
		d.each, d.dedupe, d.when = src.Each, src.Dedupe, src.When
	}
	if d.each != "" {
		// Rules of a batch read each element, which has no provider view.
		if first := gjson.Get(d.doc, d.each+".0"); first.IsObject() {
			fieldsDoc, viewProvider = first.Raw, ""
		}
	} else {
		if d.dedupe == "" {
			d.dedupe = pickDedupe(d.provider, d.doc)
		}
		if d.when == nil {
			d.when = pickWhen(d.provider, d.doc)
		}
	}
	d.rules = pickRules(collect(viewProvider, fieldsDoc))
	yaml := d.emit()
	if err := d.selfCheck(yaml); err != nil {
		return nil, err
	}
	res := &Result{YAML: yaml}
	if d.rules.email != nil {
		res.Email = d.rules.email.path
	}
	switch n := d.rules.name; {
	case n.first != nil:
		res.Name = template(n)
	case n.full != nil && !n.standIn:
		res.Name = n.full.path
	}
	if len(d.rules.partner) > 0 {
		res.PartnerKey = d.rules.partner[0].path
	}
	return res, nil
}

// selfCheck loads the draft as `check` would (its variables set) and runs
// it on the event: a draft that does not load, or does not map its own
// event when an email was found, is a bug here, not the user's to debug.
func (d *drafter) selfCheck(yaml []byte) error {
	cfg, err := mappings.Loader{LookupEnv: func(string) (string, bool) { return "", false }, AllowUnsetSecrets: true}.Load(d.name+".yaml", yaml)
	if err != nil {
		return fmt.Errorf("draft: the drafted source does not load: %w", err)
	}
	if d.rules.email == nil {
		return nil
	}
	items := cfg.Sources[d.name].Apply(d.in.Payload, d.doc)
	if len(items) == 0 {
		return errors.New("draft: the drafted source maps no lead from the event")
	}
	it := items[0]
	switch {
	case it.Outcome == mappings.Failed:
		return fmt.Errorf("draft: the drafted source fails on the event: %v", it.Problems)
	case it.Outcome == mappings.Mapped && it.Lead.Email != str(d.rules.email):
		return fmt.Errorf("draft: the drafted source maps another email than the one chosen")
	}
	return nil
}

// providerOf is the event's source's provider, or for a source that is
// gone, the one the payload's shape names.
func providerOf(in Input) (string, error) {
	if in.Source != nil {
		return in.Source.Provider, nil
	}
	doc, err := providers.Decode(providers.Generic, in.ContentType, in.Payload)
	if err != nil {
		return "", fmt.Errorf("draft: %w: %w", ErrPayload, err)
	}
	return guessProvider(string(doc)), nil
}

// guessProvider recognises the payloads of the providers with a
// signature scheme or a view; anything else is generic.
func guessProvider(doc string) string {
	r := gjson.Parse(doc)
	top := topKeys(doc)
	if !r.IsArray() && !top["form_response"] && !top["eventType"] && !top["rawRequest"] && !top["triggerType"] && !top["event"] && !top["properties"] {
		return providers.Generic
	}
	switch {
	case r.Get("form_response.answers").IsArray():
		return providers.Typeform
	case r.Get("eventType").String() == "FORM_RESPONSE" && r.Get("data.fields").IsArray():
		return providers.Tally
	case r.Get("rawRequest").Exists() && r.Get("formID").Exists():
		return providers.Jotform
	case r.Get("triggerType").Exists() && r.Get("payload").IsObject():
		return providers.Webflow
	case r.Get("event").Type == gjson.String && r.Get("payload.uri").Exists() && r.Get("created_by").Exists():
		return providers.Calendly
	case r.Get("properties").IsObject() && (r.Get("vid").Exists() || r.Get("portal-id").Exists()),
		r.Get("0.subscriptionType").Exists() && r.Get("0.portalId").Exists():
		return providers.HubSpot
	}
	return providers.Generic
}

func cut(s string) string {
	if len(s) > 100 {
		return s[:100]
	}
	return s
}
