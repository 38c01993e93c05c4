package draft

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/leadbridge/leadbridge/mappings"
)

// rules are the lead rules chosen from the fields.
type rules struct {
	email *field
	name  nameRule
	// partner are the partner key candidates, best first (a list rule:
	// the first non-empty wins); why says how each was recognised.
	partner []*field
	why     map[*field]string
	// others are the remaining answers: commented cfields candidates.
	others []*field
}

// nameRule is a template of a first and a last name, or one path.
type nameRule struct {
	first, last *field
	full        *field
	standIn     bool // no name found: full is the email field
}

// maxOthers bounds the commented cfields candidates.
const maxOthers = 40

func pickRules(fs []field) rules {
	var r rules
	r.email = pickEmail(fs)
	r.name = pickName(fs, r.email)
	r.partner, r.why = pickPartner(fs)
	used := map[*field]bool{r.email: true, r.name.first: true, r.name.last: true, r.name.full: true}
	for _, p := range r.partner {
		used[p] = true
	}
	for i := range fs {
		f := &fs[i]
		if !used[f] && f.answer && len(r.others) < maxOthers {
			r.others = append(r.others, f)
		}
	}
	return r
}

// str is a field's value as one trimmed string, "" for lists and objects.
func str(f *field) string {
	if f == nil || f.value.IsArray() || f.value.IsObject() {
		return ""
	}
	return strings.TrimSpace(f.value.String())
}

func hasWord(f *field, is func(word string) bool) bool {
	for _, l := range f.labels() {
		for _, w := range words(l) {
			if is(w) {
				return true
			}
		}
	}
	return false
}

// otherPerson: a word of a field that holds someone else's address: the
// host of a meeting, the account owner, the partner.
func otherPerson(w string) bool {
	switch w {
	case "host", "owner", "organizer", "organiser", "user", "sender", "from", "partner", "referrer", "referer",
		"agent", "assignee", "creator", "admin", "cc", "bcc", "notify", "notification", "reply", "manager":
		return true
	}
	return false
}

// pickEmail takes the email-shaped value the payload most plausibly names
// as the lead's: a field called email, an answer, nobody else's.
func pickEmail(fs []field) *field {
	var best *field
	bestScore := 0
	for i := range fs {
		f := &fs[i]
		if f.value.Type != gjson.String || !mappings.ValidEmail(str(f)) {
			continue
		}
		score := 10
		for _, l := range f.labels() {
			if strings.Contains(compact(l), "mail") {
				score += 4
				break
			}
		}
		if f.answer {
			score += 2
		}
		if hasWord(f, otherPerson) {
			score -= 8
		}
		if score > bestScore {
			best, bestScore = f, score
		}
	}
	return best
}

// personName reports whether a value can be (part of) a person's name.
func personName(f *field) bool {
	s := str(f)
	return s != "" && f.value.Type == gjson.String && !strings.Contains(s, "@") && !isURL(s) && strings.IndexFunc(s, isLetter) >= 0
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f }

func labelIs(f *field, test func(c string) bool) bool {
	for _, l := range f.labels() {
		if test(compact(l)) {
			return true
		}
	}
	return false
}

func isFirst(c string) bool {
	return strings.Contains(c, "firstname") || strings.Contains(c, "givenname") || strings.Contains(c, "forename") || c == "first" || c == "fname"
}

func isLast(c string) bool {
	return strings.Contains(c, "lastname") || strings.Contains(c, "surname") || strings.Contains(c, "familyname") || c == "last" || c == "lname"
}

// isFull: a label (words run together) of a whole name.
func isFull(c string) bool {
	switch c {
	case "name", "fullname", "yourname", "contactname", "customername", "clientname", "attendeename",
		"inviteename", "respondentname", "personname", "leadname", "whatsyourname":
		return true
	}
	return strings.HasSuffix(c, "fullname")
}

// Gravity Forms posts a name field's parts under <field>.3 (first) and
// <field>.6 (last), with no label.
var gravityPart = regexp.MustCompile(`^(\d+)\.([36])$`)

// pickName prefers a first and a last name (together, from the same
// object or list when there is a choice), then a whole name, then the
// email as a stand-in: Partnero requires a name.
func pickName(fs []field, email *field) nameRule {
	var firsts, lasts []*field
	var full *field
	for i := range fs {
		f := &fs[i]
		if !personName(f) {
			continue
		}
		switch {
		case labelIs(f, isFirst) || gravity(f.key, "3"):
			firsts = append(firsts, f)
		case labelIs(f, isLast) || gravity(f.key, "6"):
			lasts = append(lasts, f)
		case full == nil && labelIs(f, isFull):
			full = f
		}
	}
	for _, fi := range firsts {
		for _, la := range lasts {
			if fi.parent == la.parent && pairable(fi, la) {
				return nameRule{first: fi, last: la}
			}
		}
	}
	if len(firsts) > 0 && len(lasts) > 0 && pairable(firsts[0], lasts[0]) {
		return nameRule{first: firsts[0], last: lasts[0]}
	}
	switch {
	case full != nil:
		return nameRule{full: full}
	case len(firsts) > 0:
		return nameRule{full: firsts[0]}
	}
	return nameRule{full: email, standIn: true}
}

func gravity(key, part string) bool {
	m := gravityPart.FindStringSubmatch(key)
	return m != nil && m[2] == part
}

// pairable: both paths fit a template ({{...}} cannot hold "}}"), and
// Gravity parts belong to the same field.
func pairable(a, b *field) bool {
	if strings.Contains(a.path, "}}") || strings.Contains(b.path, "}}") || strings.Contains(a.path, "{{") || strings.Contains(b.path, "{{") {
		return false
	}
	ma, mb := gravityPart.FindStringSubmatch(a.key), gravityPart.FindStringSubmatch(b.key)
	return (ma == nil) == (mb == nil) && (ma == nil || ma[1] == mb[1])
}

// partnerWord: a word (or label) of the fields that carry a partner's key:
// referral links put it in ?ref=, ?partner=, ?aff=, ?via=, ?fpr= (FirstPromoter).
func partnerWord(w string) bool {
	switch w {
	case "ref", "refid", "refcode", "referral", "referrer", "referer", "partner", "partnerref", "partnerkey",
		"partnerid", "partnercode", "aff", "affid", "affiliate", "affiliateid", "affiliatecode", "via", "fpr":
		return true
	}
	return false
}

// notKeyWord rules a field out as a partner key: a partner's email or
// name, or a channel such as utm_source=partner.
func notKeyWord(w string) bool {
	switch w {
	case "email", "mail", "name", "url", "link", "source", "medium":
		return true
	}
	return false
}

// keyShaped: a partner key is one short token.
func keyShaped(f *field) bool {
	s := str(f)
	return s != "" && len(s) <= 100 && !strings.ContainsAny(s, " \t@") && !isURL(s) && (f.value.Type == gjson.String || f.value.Type == gjson.Number)
}

func partnerNamed(f *field) bool {
	if hasWord(f, notKeyWord) {
		return false
	}
	return hasWord(f, partnerWord) || labelIs(f, partnerWord)
}

// pickPartner ranks the partner key candidates: fields named like a
// referral parameter, and fields whose value is the ?ref= (or ?partner=...)
// of a URL elsewhere in the payload (the landing page a hidden field was
// filled from); hidden fields first. utm_campaign comes last, when present:
// partner links often carry the key there.
func pickPartner(fs []field) ([]*field, map[*field]string) {
	params := urlParams(fs)
	type cand struct {
		f     *field
		score int
	}
	var cands []cand
	why := map[*field]string{}
	var campaign *field
	for i := range fs {
		f := &fs[i]
		if !keyShaped(f) {
			continue
		}
		score := 0
		switch {
		case partnerNamed(f):
			score, why[f] = 10, "named like a referral parameter"
		case params[str(f)] != "":
			score, why[f] = 8, "its value is the "+params[str(f)]
		case labelIs(f, func(c string) bool { return c == "utmcampaign" }):
			if campaign == nil {
				campaign, why[f] = f, "a UTM campaign: partner links often carry the key there"
			}
			continue
		default:
			continue
		}
		if f.hidden {
			score += 3
			why[f] = "hidden field, " + why[f]
		}
		cands = append(cands, cand{f, score})
	}
	var out []*field
	for len(cands) > 0 && len(out) < 3 {
		best := 0
		for i, c := range cands {
			if c.score > cands[best].score {
				best = i
			}
		}
		out = append(out, cands[best].f)
		cands = append(cands[:best], cands[best+1:]...)
	}
	if campaign != nil {
		out = append(out, campaign)
	}
	return out, why
}

// urlParams maps the values of referral parameters found in URL-valued
// fields to a description ("?ref= of source_url").
func urlParams(fs []field) map[string]string {
	out := map[string]string{}
	for i := range fs {
		s := str(&fs[i])
		if !isURL(s) || !strings.Contains(s, "?") {
			continue
		}
		u, err := url.Parse(s)
		if err != nil {
			continue
		}
		for name, vals := range u.Query() {
			if partnerWord(compact(name)) && len(vals) > 0 && vals[0] != "" && out[vals[0]] == "" {
				out[vals[0]] = "?" + name + "= of " + fs[i].key
			}
		}
	}
	return out
}

// dedupeNames are keys whose value identifies one submission (not the
// form: form_id would make every later lead a duplicate).
func dedupeNames() [9]string {
	return [...]string{"event_id", "eventId", "submissionID", "submissionId", "submission_id", "response_id", "responseId", "entry_id", "entryId"}
}

// providerDedupe is the dedupe path of mappings.example.yaml for provider.
func providerDedupe(provider string) string {
	switch provider {
	case "typeform":
		return "event_id"
	case "tally":
		return "eventId"
	case "calendly":
		return "payload.uri"
	case "webflow":
		return "payload.id"
	case "jotform":
		return "submissionID"
	}
	return ""
}

// pickDedupe names a path whose value identifies this submission, so that
// a provider's retry (even re-serialised) is a duplicate; "" when none.
func pickDedupe(provider, doc string) string {
	top := topKeys(doc)
	has := func(p string) bool {
		first, _, _ := strings.Cut(p, ".")
		return top[first] && str(&field{value: gjson.Get(doc, p)}) != ""
	}
	if p := providerDedupe(provider); p != "" && has(p) {
		return p
	}
	for _, parent := range []string{"", "submission.", "data.", "payload."} {
		for _, n := range dedupeNames() {
			if has(parent + n) {
				return parent + n
			}
		}
	}
	return ""
}

// topKeys are the keys of doc's root object, read in one pass: a path
// whose first key is absent need not be looked up (which would scan the
// whole document each time).
func topKeys(doc string) map[string]bool {
	out := map[string]bool{}
	gjson.Parse(doc).ForEach(func(k, _ gjson.Result) bool {
		out[k.String()] = true
		return true
	})
	return out
}

// providerWhen is the condition of mappings.example.yaml that keeps a
// provider's other events (partial responses, cancellations) out.
func providerWhen(provider string) (mappings.Condition, bool) {
	path, value := "", ""
	switch provider {
	case "typeform":
		path, value = "event_type", "form_response"
	case "tally":
		path, value = "eventType", "FORM_RESPONSE"
	case "calendly":
		path, value = "event", "invitee.created"
	case "webflow":
		path, value = "triggerType", "form_submission"
	default:
		return mappings.Condition{}, false
	}
	return mappings.Condition{Path: path, Op: mappings.OpEquals, Values: []string{value}}, true
}

// pickWhen proposes the provider's condition when this event meets it.
func pickWhen(provider, doc string) []mappings.Condition {
	c, ok := providerWhen(provider)
	if !ok || gjson.Get(doc, c.Path).String() != c.Values[0] {
		return nil
	}
	return []mappings.Condition{c}
}
