package mappings

import "log/slog"

// Secret holds a credential from a mapping file (a signing secret, a token,
// an API key). Every way of printing it yields "<secret>" so that config
// dumps, errors and logs cannot leak it; Reveal is the only way to read it.
type Secret struct {
	v string
	// unresolved marks a secret whose ${VAR} was unset where the loader
	// allowed it (Loader.UnsetSecretsOK): configured, value unknown.
	unresolved bool
}

// NewSecret wraps a value; used by tests and by callers building configs in code.
func NewSecret(v string) Secret { return Secret{v: v} }

const redacted = "<secret>"

// Reveal returns the secret value, for the code that verifies or authenticates with it.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether no secret is configured. An unresolved secret
// is configured (its variable is only unset where it is not needed).
func (s Secret) IsZero() bool { return s.v == "" && !s.unresolved }

// Unresolved reports whether the secret's ${VAR} was unset when loaded
// with Loader.UnsetSecretsOK: it is configured, but its value is unknown.
func (s Secret) Unresolved() bool { return s.unresolved }

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
