package console

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/leadbridge/leadbridge/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFS embed.FS

func staticFiles() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	return http.FileServer(http.FS(sub))
}

// pages holds one template set per page, each with the shared layout.
type pages struct{ byName map[string]*template.Template }

var funcs = template.FuncMap{
	"when":   fmtTime,
	"ago":    ago,
	"cut":    cut,
	"pretty": prettyJSON,
	"pct":    func(n, of int64) string { return fmt.Sprintf("%.0f %%", 100*float64(n)/float64(max(of, 1))) },
	"join":   strings.Join,
	"reason": readableReason,
	"ms":     func(d time.Duration) string { return d.Round(100 * time.Microsecond).String() },
	"inRecent": func(list []store.EventSummary, id int64) bool {
		return slices.ContainsFunc(list, func(e store.EventSummary) bool { return e.ID == id })
	},
}

func mustParsePages() *pages {
	p := &pages{byName: map[string]*template.Template{}}
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/parts.html"))
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" || name == "parts" {
			continue
		}
		p.byName[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFiles, n))
	}
	return p
}

// view is what every page template gets.
type view struct {
	Page   string // the page's name, for the navigation
	Authed bool   // show the navigation
	Bearer bool   // a bearer client: no logout
	CSRF   string
	Data   any
}

// render writes a page; s is nil on the login page. The page is rendered
// into a buffer first, so a template error never leaves half a page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, s *session, code int, name string, data any) {
	v := view{Page: name, Data: data}
	if s != nil {
		v.Authed, v.Bearer, v.CSRF = true, s.bearer, s.csrf
	}
	h.renderTemplate(w, r, code, name, "layout", v)
}

// renderFragment writes one named template of a page without the layout
// (the playground's live results).
func (h *handler) renderFragment(w http.ResponseWriter, r *http.Request, s *session, page, fragment string, data any) {
	v := view{Page: page, Data: data, Authed: true, Bearer: s.bearer, CSRF: s.csrf}
	h.renderTemplate(w, r, http.StatusOK, page, fragment, v)
}

func (h *handler) renderTemplate(w http.ResponseWriter, r *http.Request, code int, page, tmpl string, v view) {
	t, ok := h.pages.byName[page]
	if !ok {
		panic("console: no page " + page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, tmpl, v); err != nil {
		h.log.Error("console: render", "page", page, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

type failData struct {
	Code    int
	Message string
}

// fail renders an error page.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, s *session, code int, msg string) {
	h.render(w, r, s, code, "error", failData{Code: code, Message: msg})
}

// storeFailed logs a store error and answers 503.
func (h *handler) storeFailed(w http.ResponseWriter, r *http.Request, s *session, what string, err error) {
	h.log.Error("console: "+what, "err", err)
	h.fail(w, r, s, http.StatusServiceUnavailable, "The store did not answer ("+what+"); see the server log.")
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// ago is a rough age for people ("3 min ago").
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%d s ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// prettyJSON indents a JSON body for display; other bytes are shown as
// they are (html/template escapes them either way).
func prettyJSON(b []byte) string {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return string(b)
	}
	return out.String()
}

// readableReason turns a failed lead's reason, the mapping problems as
// JSON ([{"field":..,"message":..}]), into "field: message; ..."; any
// other text is returned as it is.
func readableReason(s string) string {
	if !strings.HasPrefix(s, "[") {
		return s
	}
	var fails []struct{ Field, Message string }
	if err := json.Unmarshal([]byte(s), &fails); err != nil || len(fails) == 0 {
		return s
	}
	parts := make([]string, len(fails))
	for i, f := range fails {
		parts[i] = f.Field + ": " + f.Message
	}
	return strings.Join(parts, "; ")
}
