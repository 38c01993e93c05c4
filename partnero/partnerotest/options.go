package partnerotest

import (
	"maps"
	"slices"
	"time"
)

// Option configures a Server at New.
type Option func(*config)

// config is everything an Option can set. Runtime setters change the
// Server's copy; Reset goes back to the copy New made.
type config struct {
	keys     []string
	partners map[string]bool // nil: every partner key is accepted
	form     formState
	// enforceOptions and enforceRequired apply only when form.check is set.
	enforceOptions   bool
	enforceRequired  bool
	rejectDuplicates bool
	acceptRedirect   bool
	now              func() time.Time
}

func defaultConfig() config {
	return config{
		keys:            []string{DefaultAPIKey},
		form:            newFormState(DefaultForm(), false),
		enforceOptions:  true,
		enforceRequired: true,
		acceptRedirect:  true,
		now:             time.Now,
	}
}

func (c config) clone() config {
	c.keys = slices.Clone(c.keys)
	c.partners = maps.Clone(c.partners)
	return c // form and now are never mutated in place
}

// WithAPIKey sets the keys accepted as "Authorization: Bearer <key>"
// (default DefaultAPIKey). Several keys stand for several programs sharing
// one fake. No key at all makes every request 401.
func WithAPIKey(keys ...string) Option {
	return func(c *config) { c.keys = slices.Clone(keys) }
}

// WithPartners makes partner.key checked against keys: an unknown key gets
// 400 {"message":"Invalid partner key"}, as Partnero documents for
// customers. Without it every partner is accepted. Leads identified only by
// partner.id or partner.email are not checked.
func WithPartners(keys ...string) Option {
	return func(c *config) {
		c.partners = make(map[string]bool, len(keys))
		for _, k := range keys {
			c.partners[k] = true
		}
	}
}

// WithForm serves f from GET /leads/details and validates each lead's
// cfields against it: an unknown field id is a 422, and so are (see
// EnforceOptions, EnforceRequired) a value outside a field's options and a
// missing required field. Without WithForm (or WithFormJSON) the default
// form is served but cfields are not checked, since the default form has a
// required field most tests would not fill.
func WithForm(f Form) Option {
	return func(c *config) { c.form = newFormState(f, true) }
}

// WithFormJSON serves body verbatim from GET /leads/details, to test clients
// against variants of the answer (leads_enabled as a boolean, extra keys),
// and validates cfields against the fields it lists as WithForm does. It
// panics when body has no data.leads_custom_form_fields that can be read,
// as a test fixture error.
func WithFormJSON(body []byte) Option {
	fs := formStateFromJSON(body)
	return func(c *config) { c.form = fs }
}

// EnforceOptions sets whether a checkbox, radio or select value must be one
// of the field's options (default true; Partnero's behaviour is unknown, and
// its own create example sends values outside the example form's options).
func EnforceOptions(on bool) Option {
	return func(c *config) { c.enforceOptions = on }
}

// EnforceRequired sets whether a field marked required must be present in
// cfields (default true; unknown whether Partnero enforces it over the API).
func EnforceRequired(on bool) Option {
	return func(c *config) { c.enforceRequired = on }
}

// RejectDuplicateEmails makes a second lead with the same email (ignoring
// case) a 422 "The email has already been taken.". By default duplicates are
// accepted: Partnero documents nothing either way.
func RejectDuplicateEmails() Option {
	return func(c *config) { c.rejectDuplicates = true }
}

// RedirectWithoutAcceptJSON sets whether a validation failure on a request
// without "Accept: application/json" is answered, as a Laravel back end
// would, with a 302 instead of the JSON 422 (default true), so that a
// client forgetting the header is caught.
func RedirectWithoutAcceptJSON(on bool) Option {
	return func(c *config) { c.acceptRedirect = on }
}

// WithNow sets the clock used for created_at and recorded times.
func WithNow(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}
