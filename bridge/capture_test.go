package bridge

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/store"
)

// captureSources: typeform and a token form without lead: rules.
const captureSources = `sources:
  typeform:
    provider: typeform
    secret: test-secret
    dedupe: event_id
  form:
    provider: generic
    token: form-token
    dedupe: id
`

// mappedSources are the same sources once lead: rules are written.
const mappedSources = `sources:
  typeform:
    provider: typeform
    secret: test-secret
    dedupe: event_id
    lead:
      name: {template: '{{answers.first_name}} {{answers.last_name}}'}
      email: answers.email
      partner: {key: form_response.hidden.ref}
  form:
    provider: generic
    token: form-token
    dedupe: id
    lead: {name: name, email: email, partner: {key: ref}}
`

// withSources serves yaml from a mapping directory that Reload reads.
func withSources(t *testing.T, yaml string) option {
	return func(b *bundle) {
		b.mapDir = t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(b.mapDir, "sources.yaml"), []byte(yaml), 0o600))
	}
}

func (b *bundle) rewriteSources(t *testing.T, yaml string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(b.mapDir, "sources.yaml"), []byte(yaml), 0o600))
	changed, err := b.srv.Reload()
	require.NoError(t, err)
	require.True(t, changed)
}

// TestCaptureThenReplay is the capture-first loop: a source without lead:
// stores verified webhooks as captured (202 captured, deduped, no lead);
// replay leaves them captured while the source has no rules, and maps and
// delivers them once it has.
func TestCaptureThenReplay(t *testing.T) {
	b := setup(t, withSources(t, captureSources), withConfig(func(c *Config) { c.AdminToken = mappings.NewSecret(adminToken) }))
	typeform := sample(t, "typeform.json")

	r := b.postTypeform(t, typeform)
	require.Equal(t, http.StatusAccepted, r.Code, r.Raw)
	require.Equal(t, "captured", r.Body["status"])
	id := r.Body["id"]
	require.NotNil(t, id)
	ev := b.event(t, id)
	require.Equal(t, store.StatusCaptured, ev.Status)
	require.Empty(t, ev.LeadList, "nothing is mapped or queued")
	require.Equal(t, typeform, ev.Payload)
	require.Contains(t, b.logs.String(), `"outcome":"captured"`, "logged like every webhook answered")

	r = b.postTypeform(t, typeform)
	require.Equal(t, http.StatusOK, r.Code, r.Raw)
	require.Equal(t, "duplicate", r.Body["status"], "a provider's retry of a captured event is a duplicate")
	require.Equal(t, id, r.Body["id"])

	// Verification still applies.
	r = b.post(t, "/hooks/typeform", "application/json", typeform, "Typeform-Signature", typeformSig([]byte("x")))
	require.Equal(t, http.StatusUnauthorized, r.Code)
	r = b.post(t, "/hooks/form", "application/json", []byte(`{"id":"f1"}`))
	require.Equal(t, http.StatusUnauthorized, r.Code)

	form := b.postForm(t, "form", `{"id":"f1","name":"Bo","email":"bo@example.com"}`)
	require.Equal(t, "captured", form.Body["status"], form.Raw)

	list, err := b.store.ListEvents(context.Background(), store.Filter{Status: store.StatusCaptured})
	require.NoError(t, err)
	require.Len(t, list, 2)

	// Replay while the sources still have no lead rules: nothing changes,
	// and it is no error.
	rep, err := b.srv.replayer().ReplayMatching(context.Background(), store.StatusCaptured, "", false)
	require.NoError(t, err)
	require.Equal(t, 2, rep.Events)
	require.Equal(t, 2, rep.Captured)
	require.Equal(t, []string{"form", "typeform"}, rep.CapturedSources)
	require.Empty(t, rep.Problems)
	require.Equal(t, store.StatusCaptured, b.event(t, id).Status)

	// Lead rules written: the admin API replays what was captured.
	b.rewriteSources(t, mappedSources)
	b.startDelivery(t)
	resp := b.admin(t, http.MethodPost, "/admin/replay?status=captured", adminToken)
	require.Equal(t, http.StatusOK, resp.Code, resp.Raw)
	require.Contains(t, resp.Raw, `"queued":1`, "the typeform event maps")
	require.Contains(t, resp.Raw, `"ignored":1`, "the form has no partner: organic, ignored")
	require.Contains(t, resp.Raw, `"captured":0`)

	ev = b.waitEvent(t, id, store.StatusDelivered)
	require.Len(t, ev.LeadList, 1)
	require.Equal(t, store.StatusDelivered, ev.LeadList[0].Status)
	require.Contains(t, string(ev.LeadList[0].Body), `"email":"alice.brown@example.com"`)
	require.Equal(t, store.StatusIgnored, b.event(t, form.Body["id"]).Status, "the event takes the status of its new lead")
	require.Len(t, b.fake.Leads(), 1)

	// A later webhook of the mapped source is accepted as usual.
	r = b.postForm(t, "form", `{"id":"f2","name":"Bo","email":"bo@example.com"}`)
	require.Equal(t, "ignored", r.Body["status"], r.Raw)
}

// An admin replay of status captured is accepted (400 before).
func TestAdminReplayCapturedStatus(t *testing.T) {
	b := setup(t, withSources(t, captureSources), withConfig(func(c *Config) { c.AdminToken = mappings.NewSecret(adminToken) }))
	resp := b.admin(t, http.MethodPost, "/admin/replay?status=captured", adminToken)
	require.Equal(t, http.StatusOK, resp.Code, resp.Raw)
	resp = b.admin(t, http.MethodPost, "/admin/replay?status=nope", adminToken)
	require.Equal(t, http.StatusBadRequest, resp.Code)
	require.True(t, strings.Contains(resp.Raw, "captured"), resp.Raw)
}
