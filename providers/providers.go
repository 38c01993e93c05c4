// Package providers verifies and decodes inbound webhooks from form and CRM
// tools (Typeform, HubSpot, Tally, Webflow, Calendly, Jotform, and any
// "generic" JSON or form POST).
//
// It is pure: no I/O, no logging, no package-level mutable state. The HTTP
// layer reads the body once, calls [Verifier.Verify] on the raw bytes, then
// [Decode] to obtain the JSON document the mapping runs on.
package providers

// Names of supported providers, as written in the mapping file's
// `provider:` key.
const (
	Typeform = "typeform"
	HubSpot  = "hubspot"
	Tally    = "tally"
	Webflow  = "webflow"
	Calendly = "calendly"
	Jotform  = "jotform"
	Generic  = "generic"
)

// knownProvider reports whether name is one of the provider constants.
func knownProvider(name string) bool {
	switch name {
	case Typeform, HubSpot, Tally, Webflow, Calendly, Jotform, Generic:
		return true
	}
	return false
}
