package notify

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The kinds of notification (product.md §7).
const (
	KindLeadDead      = "lead_dead"      // leads went dead: Partnero refused them
	KindAuthFailing   = "auth_failing"   // Partnero answers 401/403 to a source's key
	KindAuthRecovered = "auth_recovered" // ... and accepts it again
	KindReloadFailed  = "reload_failed"  // a changed mapping file is invalid
	KindBacklog       = "backlog"        // leads wait for delivery longer than --notify-backlog
	KindUnattributed  = "unattributed"   // too many of a source's leads have no partner
	KindMappingFailed = "mapping_failed" // webhooks answered 422, stored as failed
	// KindTest is the sample `leadbridge notify test` sends.
	KindTest = "test"
)

// Message is one notification as POSTed to every receiver. Text is a
// plain sentence (no markup beyond `code`) that reads well in Slack,
// Mattermost, Discord's Slack-compatible endpoint and Google Chat; the
// other fields are for tools that route or count. It never holds a
// secret or a payload value: only source names, counts, event ids and
// Partnero's error message, cut short.
type Message struct {
	Text     string    `json:"text"`
	Kind     string    `json:"kind"`
	Source   string    `json:"source"` // "" for reload_failed and test
	Count    int       `json:"count"`
	EventIDs []int64   `json:"event_ids"`
	At       time.Time `json:"at"`
}

// Sample is the message `leadbridge notify test` sends.
func Sample(at time.Time) Message {
	return Message{
		Kind: KindTest, Count: 1, EventIDs: []int64{}, At: at.UTC(),
		Text: "leadbridge: this is a test notification (`leadbridge notify test`). " +
			"When leads go dead, Partnero rejects the API key, deliveries fall behind, a mapping edit is invalid " +
			"or a source's leads arrive without a partner, the message comes here.",
	}
}

// Limits on what a message carries.
const (
	maxEventIDs   = 10  // event ids in a message (the text names 5)
	maxReasons    = 3   // distinct messages of Partnero quoted
	maxTextIDs    = 5   // event ids named in the text
	maxReasonLen  = 160 // each of Partnero's messages, in characters
	maxProblemLen = 300 // the first problem of a failed reload
	maxSourceLen  = 100 // a source name
)

func leadDeadText(source string, n int, ids []int64, reasons []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "leadbridge: %s from source %s went dead: Partnero refused %s", plural(n, "lead", "leads"), source, pick(n, "it", "them"))
	if len(reasons) > 0 {
		quoted := make([]string, len(reasons))
		for i, r := range reasons {
			quoted[i] = `"` + r + `"`
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(quoted, "; "))
	}
	fmt.Fprintf(&b, ". %s. After fixing the cause, send %s again with `leadbridge replay --status dead --source %s`.",
		eventList(ids, n), pick(n, "it", "them"), source)
	return b.String()
}

func mappingFailedText(source string, n int, ids []int64) string {
	s := fmt.Sprintf("leadbridge: %s to source %s failed the mapping (answered 422, kept as failed). %s.",
		plural(n, "webhook", "webhooks"), source, eventList(ids, n))
	if len(ids) > 0 {
		s += fmt.Sprintf(" See why with `leadbridge events %d`,", ids[0])
	} else {
		s += " See why with `leadbridge events --status failed`,"
	}
	return s + fmt.Sprintf(" fix the mapping, then `leadbridge replay --status failed --source %s`.", source)
}

func authFailingText(source string, refused, status int) string {
	code := ""
	if status > 0 {
		code = fmt.Sprintf("HTTP %d, ", status)
	}
	return fmt.Sprintf("leadbridge: Partnero rejects the API key of source %s (%s%s refused). Its leads wait and are retried: nothing is lost. "+
		"Fix the key (PARTNERO_API_KEY, or the source's partnero.api_key).", source, code, plural(refused, "attempt", "attempts"))
}

func authRecoveredText(source string) string {
	return fmt.Sprintf("leadbridge: Partnero accepts the API key of source %s again; its waiting leads are being delivered.", source)
}

func reloadFailedText(first string, problems int) string {
	s := "leadbridge: a changed mapping file is invalid, so the previous mappings stay in force. First problem: " + first
	if problems > 1 {
		s += fmt.Sprintf(" (%d problems in all; `leadbridge check` lists them)", problems)
	}
	return s + "."
}

func backlogText(source string, n int, after time.Duration, oldest time.Time, ids []int64) string {
	return fmt.Sprintf("leadbridge: %s from source %s %s waited more than %s for delivery (the oldest since %s). "+
		"Partnero may be down or refusing them: see the log and `leadbridge events --source %s --status retrying`. %s.",
		plural(n, "lead", "leads"), source, pick(n, "has", "have"), shortDuration(after), oldest.UTC().Format("2006-01-02 15:04 UTC"), source, eventList(ids, n))
}

func unattributedText(s Share, window time.Duration, ids []int64) string {
	return fmt.Sprintf("leadbridge: %d of %s from source %s in the last %s had no partner (%.0f%%): ignored as no partner, failed for it, "+
		"or sent with the fallback partner. A hidden field or a link parameter is probably broken, and partners are not credited. %s.",
		s.Unattributed, plural(s.Leads, "lead", "leads"), s.Source, windowName(window), 100*s.Ratio, eventList(ids, s.Unattributed))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// eventList names up to maxTextIDs events of total: "Event 7",
// "Events 7, 9 and 12", "Events 7, 9, 12, 15, 20 and 31 more".
func eventList(ids []int64, total int) string {
	if len(ids) == 0 {
		return "No event ids"
	}
	shown := ids[:min(len(ids), maxTextIDs)]
	parts := make([]string, len(shown))
	for i, id := range shown {
		parts[i] = fmt.Sprint(id)
	}
	more := max(total, len(ids)) - len(shown)
	switch {
	case len(parts) == 1 && more == 0:
		return "Event " + parts[0]
	case more > 0:
		return fmt.Sprintf("Events %s and %d more", strings.Join(parts, ", "), more)
	default:
		return fmt.Sprintf("Events %s and %s", strings.Join(parts[:len(parts)-1], ", "), parts[len(parts)-1])
	}
}

// shortDuration prints 15m rather than 15m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func windowName(d time.Duration) string {
	if d == time.Hour {
		return "hour"
	}
	return shortDuration(d)
}

// redactor removes from a text what must never reach a chat channel.
type redactor struct {
	secrets []string
}

var (
	// urlUserinfo is the user:password@ of a URL.
	urlUserinfo = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@`)
	// urlQuery is the query of an http(s) URL, where tokens travel.
	urlQuery = regexp.MustCompile(`(?i)(\bhttps?://[^\s?#]*)\?[^\s#]*`)
	// mention is what makes Slack, Mattermost or Discord notify a whole
	// channel.
	mention = regexp.MustCompile(`(?i)@(here|channel|everyone|all)\b`)
)

// minSecretLen: shorter "secrets" would mangle every message and protect
// nothing.
const minSecretLen = 4

// redact replaces every configured secret and a URL's credentials and
// query.
func (r redactor) redact(s string) string {
	for _, sec := range r.secrets {
		if len(sec) >= minSecretLen {
			s = strings.ReplaceAll(s, sec, "<secret>")
		}
	}
	s = urlUserinfo.ReplaceAllString(s, "${1}<redacted>@")
	return urlQuery.ReplaceAllString(s, "${1}?<redacted>")
}

// clean makes a value from elsewhere (Partnero's message, a mapping
// problem, a source name) safe in a chat message: secrets redacted, one
// line, no control characters, no <...> (Slack's links and mentions) or
// @channel, cut to max characters.
func (r redactor) clean(s string, max int) string {
	s = r.redact(s)
	s = strings.Map(func(c rune) rune {
		switch {
		case c == '<':
			return '‹'
		case c == '>':
			return '›'
		case unicode.IsSpace(c):
			return ' '
		case unicode.IsControl(c) || c == utf8.RuneError:
			return -1
		}
		return c
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	s = mention.ReplaceAllString(s, "@\u200b$1")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max-1]) + "…"
	}
	return s
}
