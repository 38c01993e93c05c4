package console

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/providers"
	"github.com/leadbridge/leadbridge/store"
)

type sourceRow struct {
	Name     string
	Provider string
	URL      string // to paste into the provider
	URLNote  string
	Auth     string
	Captures bool  // no lead rules: it stores what arrives as captured
	Captured int64 // its events still captured (waiting for lead rules, or a replay)
	InForce  bool  // in the mappings in force (else: only stored events)
	Last     time.Time
	Total    int64
	Counts   []countRow
	File     string
	Line     int
}

type sourcesData struct {
	Now        time.Time
	PublicAddr string
	Sources    []sourceRow
}

func (h *handler) sources(w http.ResponseWriter, r *http.Request, s *session) {
	acts, err := h.deps.Store.SourceActivity(r.Context())
	if err != nil {
		h.storeFailed(w, r, s, "count events per source", err)
		return
	}
	byName := map[string]store.SourceActivity{}
	for _, a := range acts {
		byName[a.Source] = a
	}
	cfg := h.deps.Mappings()
	var rows []sourceRow
	for name, src := range cfg.Sources {
		row := sourceRow{Name: name, Provider: src.Provider, Auth: authScheme(src), Captures: src.Capture, InForce: true,
			File: src.File, Line: src.Line}
		row.URL, row.URLNote = pasteURL(src)
		rows = append(rows, withCounts(row, byName[name]))
	}
	for _, a := range acts {
		if _, ok := cfg.Sources[a.Source]; !ok {
			rows = append(rows, withCounts(sourceRow{Name: a.Source}, a))
		}
	}
	slices.SortFunc(rows, func(a, b sourceRow) int { return strings.Compare(a.Name, b.Name) })
	h.render(w, r, s, http.StatusOK, "sources", sourcesData{Now: h.now(), PublicAddr: h.cfg.PublicAddr, Sources: rows})
}

func withCounts(row sourceRow, a store.SourceActivity) sourceRow {
	row.Last, row.Total, row.Captured = a.Last, a.Total, a.ByStatus[store.StatusCaptured]
	row.Counts, _ = countRows(a.ByStatus, false)
	for i := range row.Counts {
		row.Counts[i].Link = fmt.Sprintf("/events?source=%s&status=%s", url.QueryEscape(row.Name), url.QueryEscape(row.Counts[i].Status))
	}
	return row
}

// pasteURL is the URL to give the provider: the source's url: when set,
// else the path on the public host, which only the operator knows.
func pasteURL(src *mappings.Source) (string, string) {
	if src.URL != "" {
		return src.URL, ""
	}
	u := "https://YOUR-PUBLIC-HOST/hooks/" + src.Name
	if len(src.Tokens) > 0 && src.Provider == providers.Jotform {
		return u + "?token=YOUR-TOKEN", "Jotform cannot send headers: the token goes in the URL."
	}
	return u, "Put the public host name of this server (its public listener, behind TLS) in place of YOUR-PUBLIC-HOST."
}

// authScheme describes how a source's requests are authenticated.
func authScheme(src *mappings.Source) string {
	rotation := func(n int, what string) string {
		if n > 1 {
			return fmt.Sprintf(" (%d %ss: rotation)", n, what)
		}
		return ""
	}
	switch {
	case src.Insecure:
		return "none: insecure: true accepts unauthenticated requests"
	case len(src.Tokens) > 0:
		return "token: header X-Leadbridge-Token (or ?token= in the URL)" + rotation(len(src.Tokens), "token")
	}
	sig := map[string]string{
		providers.Typeform: "signature: Typeform-Signature (sha256= + base64 HMAC-SHA256 of the body)",
		providers.Tally:    "signature: Tally-Signature (base64 HMAC-SHA256 of the body)",
		providers.HubSpot:  "signature: X-HubSpot-Signature-v3 (or v2/v1 by X-HubSpot-Signature-Version), over url: " + src.URL,
		providers.Webflow:  "signature: X-Webflow-Signature with X-Webflow-Timestamp (hex HMAC-SHA256)",
		providers.Calendly: "signature: Calendly-Webhook-Signature (t=…,v1=… HMAC-SHA256)",
	}[src.Provider]
	if src.Provider == providers.Generic && src.Signature != nil {
		sig = fmt.Sprintf("signature: %s (%s%s HMAC-%s of the body)", src.Signature.Header, prefixNote(src.Signature.Prefix),
			src.Signature.Encoding, strings.ToUpper(src.Signature.Algorithm))
	}
	if sig == "" {
		sig = "signature"
	}
	return sig + rotation(len(src.Secrets), "secret")
}

func prefixNote(p string) string {
	if p == "" {
		return ""
	}
	return p + " + "
}
