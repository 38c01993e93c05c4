package mappings

import "log/slog"

// Secret holds a credential from a mapping file (a signing secret, a token,
// an API key). Every way of printing it yields "<secret>" so that config
// dumps, errors and logs cannot leak it; Reveal is the only way to read it.
type Secret struct {
	v string
	// ref is the value as written when it names variables ("${X}"):
	// not secret, and what a drafted source writes again.
	ref string
	// unset: loaded with AllowUnsetSecrets while a variable of ref was
	// unset or empty; v is empty.
	unset bool
}

// NewSecret wraps a value; used by tests and by callers building configs in code.
func NewSecret(v string) Secret { return Secret{v: v} }

const redacted = "<secret>"

// Reveal returns the secret value, for the code that verifies or authenticates with it.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether no secret is configured. A secret whose variable
// was unset at load (Loader.AllowUnsetSecrets) is configured: it is set
// where the server runs.
func (s Secret) IsZero() bool { return s.v == "" && !s.unset }

// Ref returns the secret as written in the file when it references
// environment variables (e.g. "${TYPEFORM_SECRET}"), or "" for a literal.
// It holds no secret value.
func (s Secret) Ref() string { return s.ref }

// Unset reports whether the secret's variable was unset or empty when the
// file was loaded with Loader.AllowUnsetSecrets: Reveal then returns "".
func (s Secret) Unset() bool { return s.unset }

// String implements fmt.Stringer.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer, so %#v does not leak either.
func (s Secret) GoString() string { return redacted }

// MarshalJSON renders the secret redacted.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalYAML renders the secret redacted.
func (s Secret) MarshalYAML() (any, error) { return redacted, nil }

// MarshalText renders the secret redacted.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// Reveal returns the values of a list of secrets.
func Reveal(ss []Secret) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.v
	}
	return out
}
