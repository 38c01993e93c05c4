// Package partnero is a small client for the Partnero REST API, limited to
// what leadbridge needs: creating leads (POST /leads) and reading the lead
// form (GET /leads/details).
//
// CreateLead never decides policy. It classifies each answer into an Outcome
// (Delivered, Retry, Dead, AuthFailed) so that the delivery queue can apply
// its own backoff and ageing rules. API keys are never written into errors
// or Result messages, even when the server echoes them back.
//
// The package does no logging and keeps no package-level mutable state.
// Package partnerotest holds an in-process fake of the API for tests.
package partnero
