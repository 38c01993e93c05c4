package draft

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/leadbridge/leadbridge/mappings"
)

// writer builds the YAML document line by line, so that it can carry
// comments (a marshalled struct cannot) with every value quoted by yaml.v3.
type writer struct{ b strings.Builder }

// commentCol aligns trailing comments where most rules end.
const commentCol = 44

func (w *writer) line(indent int, text, comment string) {
	l := strings.Repeat(" ", indent) + text
	if comment != "" {
		l += strings.Repeat(" ", max(1, commentCol-len(l))) + "# " + comment
	}
	w.b.WriteString(l)
	w.b.WriteByte('\n')
}

func (w *writer) comment(indent int, text string) { w.line(indent, "# "+text, "") }

// value quotes s as a YAML scalar read back as s: ${ is written $${ so that
// a key containing it is not taken for a variable.
func value(s string) string { return quote(strings.ReplaceAll(s, "${", "$${")) }

// quote quotes s as a YAML scalar, for values (variable references) that
// must keep their ${...}.
func quote(s string) string {
	b, err := yaml.Marshal(s)
	if err != nil {
		return strconv.Quote(s) // unreachable for a string; a JSON string is valid YAML
	}
	return strings.TrimSuffix(string(b), "\n")
}

// label is a field's question title, quoted for a comment; "" without one
// (the path names its key already).
func label(f *field) string {
	if f.title == "" {
		return ""
	}
	return strconv.Quote(f.title)
}

// joinComment joins the non-empty parts of a comment.
func joinComment(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}

func (d *drafter) emit() []byte {
	w := &writer{}
	src := d.in.SourceName
	w.comment(0, fmt.Sprintf("Drafted by leadbridge init from an event of source %s (provider %s).", strconv.Quote(oneLine(src)), d.provider))
	if d.name == src {
		w.comment(0, "Review it, put it in your mapping file in place of that source, and replay")
		w.comment(0, "what the source captured: leadbridge replay --status captured --source "+d.name)
	} else {
		w.comment(0, "A new source: its webhook URL ends in /hooks/"+d.name+". Review it and add it to your mapping file.")
	}
	w.line(0, "sources:", "")
	w.line(2, value(d.name)+":", "")
	w.line(4, "provider: "+d.provider, "")
	d.emitAuth(w)
	d.emitSettings(w)
	w.line(4, "lead:", "")
	d.emitLead(w)
	return []byte(w.b.String())
}

// emitAuth writes the source's authentication with its secrets as the
// ${VAR} references they were written with; a literal secret, or a source
// that is gone, gets the provider's usual variable name.
func (d *drafter) emitAuth(w *writer) {
	src := d.in.Source
	if src == nil {
		d.emitTypicalAuth(w)
		return
	}
	if src.Insecure {
		w.line(4, "insecure: true", "")
	}
	d.secrets(w, "secret", src.Secrets, typicalSecret(d.provider, d.name))
	d.secrets(w, "token", src.Tokens, envName(d.name)+"_TOKEN")
	if src.URL != "" {
		u := src.URL
		if strings.HasSuffix(u, "/hooks/"+d.in.SourceName) {
			u = strings.TrimSuffix(u, d.in.SourceName) + d.name
		}
		w.line(4, "url: "+value(u), "")
	}
	if sig := src.Signature; sig != nil {
		w.line(4, "signature:", "")
		w.line(6, "header: "+value(sig.Header), "")
		w.line(6, "algorithm: "+sig.Algorithm, "")
		w.line(6, "encoding: "+sig.Encoding, "")
		if sig.Prefix != "" {
			w.line(6, "prefix: "+value(sig.Prefix), "")
		}
	}
}

func (d *drafter) secrets(w *writer, key string, ss []mappings.Secret, typical string) {
	refs := make([]string, len(ss))
	for i, s := range ss {
		refs[i] = s.Ref()
		if refs[i] == "" {
			refs[i] = "${" + typical + "}"
		}
	}
	switch len(refs) {
	case 0:
	case 1:
		w.line(4, key+": "+quote(refs[0]), "")
	default:
		w.line(4, key+":", "")
		for _, r := range refs {
			w.line(6, "- "+quote(r), "")
		}
	}
}

// emitTypicalAuth is the authentication a provider is usually set up with,
// for an event whose source is no longer configured.
func (d *drafter) emitTypicalAuth(w *writer) {
	switch d.provider {
	case "webflow", "jotform", "generic":
		w.line(4, "token: ${"+typicalToken(d.provider, d.name)+"}", "X-Leadbridge-Token header, or ?token= in the URL")
	case "hubspot":
		w.line(4, "secret: ${"+typicalSecret(d.provider, d.name)+"}", "")
		w.line(4, "url: "+value("https://leads.example.com/hooks/"+d.name), "the exact URL entered in HubSpot")
	default:
		w.line(4, "secret: ${"+typicalSecret(d.provider, d.name)+"}", "")
	}
}

// typicalSecret and typicalToken are the variable names of
// mappings.example.yaml, or NAME_SECRET / NAME_TOKEN for generic sources.
func typicalSecret(provider, name string) string {
	switch provider {
	case "typeform":
		return "TYPEFORM_SECRET"
	case "tally":
		return "TALLY_SIGNING_SECRET"
	case "calendly":
		return "CALENDLY_SIGNING_KEY"
	case "hubspot":
		return "HUBSPOT_CLIENT_SECRET"
	case "webflow":
		return "WEBFLOW_CLIENT_SECRET"
	}
	return envName(name) + "_SECRET"
}

func typicalToken(provider, name string) string {
	switch provider {
	case "webflow":
		return "WEBFLOW_TOKEN"
	case "jotform":
		return "JOTFORM_TOKEN"
	}
	return envName(name) + "_TOKEN"
}

// envName turns a source name into a variable name: typeform-demo → TYPEFORM_DEMO.
func envName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(name) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		s = "SOURCE_" + s
	}
	return s
}

// emitSettings writes the source's other settings (kept as configured)
// and the proposed when and dedupe.
func (d *drafter) emitSettings(w *writer) {
	src := d.in.Source
	if src != nil && src.Tolerance != mappings.DefaultTolerance && src.Tolerance > 0 {
		w.line(4, "tolerance: "+src.Tolerance.String(), "")
	}
	if src != nil && src.RateLimit != nil {
		per := map[time.Duration]string{time.Second: "s", time.Minute: "m", time.Hour: "h"}[src.RateLimit.Per]
		w.line(4, fmt.Sprintf("rate_limit: %d/%s", src.RateLimit.N, per), "")
	}
	if len(d.when) > 0 {
		w.line(4, "when:", "")
		for _, c := range d.when {
			emitCondition(w, c)
		}
	}
	if d.dedupe != "" {
		w.line(4, "dedupe: "+value(d.dedupe), "a provider's retry of this event is a duplicate")
	}
	if d.each != "" {
		w.line(4, "each: "+value(d.each), "")
	}
	if src == nil {
		return
	}
	if src.PartnerMissing == mappings.PartnerFail {
		w.line(4, "partner_missing: fail", "")
	}
	if fp := src.FallbackPartner; fp != nil {
		w.line(4, "fallback_partner:", "")
		for _, kv := range [][2]string{{"key", fp.Key}, {"id", fp.ID}, {"email", fp.Email}} {
			if kv[1] != "" {
				w.line(6, kv[0]+": "+value(kv[1]), "")
			}
		}
	}
	if !src.APIKey.IsZero() {
		ref := src.APIKey.Ref()
		if ref == "" {
			ref = "${" + envName(d.name) + "_PARTNERO_API_KEY}"
		}
		w.line(4, "partnero:", "")
		w.line(6, "api_key: "+quote(ref), "")
	}
}

func emitCondition(w *writer, c mappings.Condition) {
	w.line(6, "- path: "+value(c.Path), "")
	switch c.Op {
	case mappings.OpExists:
		w.line(8, "exists: "+strconv.FormatBool(c.Exists), "")
	case mappings.OpEquals, mappings.OpNotEquals:
		w.line(8, c.Op+": "+value(c.Values[0]), "")
	default:
		w.line(8, c.Op+":", "")
		for _, v := range c.Values {
			w.line(10, "- "+value(v), "")
		}
	}
}

// template is the name template of a first and a last name.
func template(n nameRule) string { return "{{" + n.first.path + "}} {{" + n.last.path + "}}" }

func (d *drafter) emitLead(w *writer) {
	r := d.rules
	switch n := r.name; {
	case n.first != nil:
		w.line(6, "name:", "")
		w.line(8, "template: "+value(template(n)), joinComment(label(n.first), label(n.last)))
	case n.standIn && n.full != nil:
		w.line(6, "name: "+value(n.full.path), "no name in the payload: the email stands in for it")
	case n.full != nil:
		w.line(6, "name: "+value(n.full.path), label(n.full))
	default:
		w.line(6, "name: name", "no name in the payload: set the path of the lead's name")
	}
	if r.email != nil {
		w.line(6, "email: "+value(r.email.path), label(r.email))
	} else {
		w.line(6, "email: email", "no email address in the payload: set the path of the lead's email")
	}
	w.line(6, "partner:", "")
	switch len(r.partner) {
	case 0:
		w.line(8, "key: ref", "no referral field found: set the path of the one that carries the partner's key")
	case 1:
		w.line(8, "key: "+value(r.partner[0].path), joinComment(label(r.partner[0]), r.why[r.partner[0]]))
	default:
		w.line(8, "key:", "the first non-empty wins")
		for _, p := range r.partner {
			w.line(10, "- "+value(p.path), joinComment(label(p), r.why[p]))
		}
	}
	if len(r.others) == 0 {
		return
	}
	w.comment(6, "Other answers, for custom fields of your Partnero lead form: uncomment")
	w.comment(6, "cfields and the lines you need, with the ids `leadbridge fields` lists.")
	w.comment(6, "cfields:")
	for _, f := range r.others {
		hidden := ""
		if f.hidden {
			hidden = "hidden field"
		}
		w.line(6, `#   "ID": `+value(f.path), joinComment(label(f), hidden))
	}
}
