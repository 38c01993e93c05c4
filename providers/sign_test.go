package providers

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSignVectors signs the shared samples at the instant of
// signatures.md and compares every header with its published value.
func TestSignVectors(t *testing.T) {
	t.Parallel()
	secret := []string{testSecret}
	tests := []struct {
		name   string
		cfg    Config
		scheme string
		sample string
		want   map[string]string
	}{
		{"typeform", Config{Provider: Typeform, Secrets: secret}, "", "typeform.json",
			map[string]string{"Typeform-Signature": "sha256=fNrpy7U3TorHOy9UX6r7VJufqGdsSZGDf9WSiHEHHhA="}},
		{"tally", Config{Provider: Tally, Secrets: secret}, "", "tally.json",
			map[string]string{"Tally-Signature": "R5KuGtMRLLQ7g/H5hih3cP0jnoePLKecSCehDAoi1DA="}},
		{"webflow", Config{Provider: Webflow, Secrets: secret}, "", "webflow.json",
			map[string]string{"X-Webflow-Timestamp": tsMillis, "X-Webflow-Signature": "8d0cbff940d03a734540dd3c9442554c203fd15c3008f67377ab4264353b5842"}},
		{"calendly", Config{Provider: Calendly, Secrets: secret}, "", "calendly.json",
			map[string]string{"Calendly-Webhook-Signature": "t=" + tsSeconds + ",v1=cdfbaf71d7d66e564cbd94826bf906978c561cd427feacb8916d08a1770e676b"}},
		{"hubspot v1", Config{Provider: HubSpot, Secrets: secret, URL: hubspotURL}, SchemeHubSpotV1, "hubspot-subscription.json",
			map[string]string{"X-Hubspot-Signature-Version": "v1", "X-Hubspot-Signature": "b7d78f7562cd0184a6fd1d86164f0f5c8be3d674b0df14424780e120809389f5"}},
		{"hubspot v2", Config{Provider: HubSpot, Secrets: secret, URL: hubspotURL}, SchemeHubSpotV2, "hubspot-workflow.json",
			map[string]string{"X-Hubspot-Signature-Version": "v2", "X-Hubspot-Signature": "fd6cac8c3f2e915e049d2ee7a4e3dc1ba1b04d5228755628891d19ee6d7c1cc3"}},
		{"hubspot v3", Config{Provider: HubSpot, Secrets: secret, URL: hubspotURL}, SchemeHubSpotV3, "hubspot-subscription.json",
			map[string]string{"X-Hubspot-Request-Timestamp": tsMillis, "X-Hubspot-Signature-V3": "dgLGNUvtkjnQHC0BRKvk3tjOCqTqRgUbjCJ5awRSzAI="}},
		{"hubspot v3 decodes the URL as HubSpot does", Config{Provider: HubSpot, Secrets: secret,
			URL: "https://hooks.example.com/webhooks/hubspot?src=hs%3Aworkflow&campaign=spring%20sale"}, SchemeHubSpotV3, "hubspot-workflow-custom.json",
			map[string]string{"X-Hubspot-Request-Timestamp": tsMillis, "X-Hubspot-Signature-V3": "WwoFDku3QgrsXA4LakwLGYzqO5GNQ6Qo+HXEBoaw5OE="}},
		{"hubspot default: v2 and v3, as a workflow sends", Config{Provider: HubSpot, Secrets: secret, URL: hubspotURL}, "", "hubspot-workflow.json",
			map[string]string{"X-Hubspot-Signature-Version": "v2", "X-Hubspot-Signature": "fd6cac8c3f2e915e049d2ee7a4e3dc1ba1b04d5228755628891d19ee6d7c1cc3",
				"X-Hubspot-Request-Timestamp": tsMillis, "X-Hubspot-Signature-V3": "T92Jmf329Voc6NxRPtef0ovR/ANK7QTQiwtEP78IKZo="}},
		{"token", Config{Provider: Jotform, Tokens: []string{"tok-1", "tok-2"}}, "", "jotform.multipart",
			map[string]string{"X-Leadbridge-Token": "tok-1"}},
		{"insecure: nothing", Config{Provider: Generic, Insecure: true}, "", "formspree.json", map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, err := SignScheme(tc.cfg, tc.scheme, sample(t, tc.sample), instant)
			require.NoError(t, err)
			got := map[string]string{}
			for k := range h {
				got[k] = h.Get(k)
			}
			require.Equal(t, tc.want, got)
		})
	}
}

// TestSignVerifies: whatever Sign produces, a verifier of the same Config
// accepts, for every provider and scheme; and it is bound to the body and
// the secret.
func TestSignVerifies(t *testing.T) {
	t.Parallel()
	secrets := []string{"s3cr3t-first", "s3cr3t-second"}
	generic := func(spec SignatureSpec) Config { return Config{Provider: Generic, Secrets: secrets, Signature: spec} }
	type tc struct {
		name   string
		cfg    Config
		scheme string
	}
	tests := []tc{
		{"typeform", Config{Provider: Typeform, Secrets: secrets}, ""},
		{"tally", Config{Provider: Tally, Secrets: secrets}, ""},
		{"webflow", Config{Provider: Webflow, Secrets: secrets}, ""},
		{"calendly", Config{Provider: Calendly, Secrets: secrets}, ""},
		{"webflow with token too", Config{Provider: Webflow, Secrets: secrets, Tokens: []string{"t0k"}}, ""},
		{"jotform token", Config{Provider: Jotform, Tokens: []string{"t0k"}}, ""},
		{"generic token", Config{Provider: Generic, Tokens: []string{"t0k"}}, ""},
		{"generic defaults", generic(SignatureSpec{Header: "X-Signature"}), ""},
		{"generic sha1 base64 prefix", generic(SignatureSpec{Header: "X-Hub-Signature", Algorithm: "sha1", Encoding: "base64", Prefix: "sha1="}), ""},
		{"generic sha512 hex", generic(SignatureSpec{Header: "X-Sig", Algorithm: "sha512", Encoding: "hex", Prefix: "v1,"}), ""},
		{"generic upper case settings", generic(SignatureSpec{Header: "x-sig", Algorithm: "SHA256", Encoding: "BASE64"}), ""},
		{"insecure", Config{Provider: Generic, Insecure: true}, ""},
	}
	for _, scheme := range []string{"", SchemeHubSpotV1, SchemeHubSpotV2, SchemeHubSpotV3} {
		tests = append(tests, tc{"hubspot " + scheme, Config{Provider: HubSpot, Secrets: secrets, URL: "https://h.example/hooks/hs?a=b%3Ac"}, scheme})
	}
	body := []byte(`{"email":"alice.brown@example.com","ref":"ref_123"}`)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, err := SignScheme(tc.cfg, tc.scheme, body, now)
			require.NoError(t, err)
			v := mustVerifier(t, tc.cfg)
			require.NoError(t, v.Verify(&Request{Method: http.MethodPost, Header: h, Body: body}, now))
			if tc.cfg.Insecure {
				require.Empty(t, h)
				return
			}
			if len(tc.cfg.Secrets) > 0 {
				err := v.Verify(&Request{Method: http.MethodPost, Header: h, Body: append([]byte(" "), body...)}, now)
				require.ErrorIs(t, err, ErrSignatureMismatch, "the signature covers the body")
				other := tc.cfg
				other.Secrets = []string{"another-secret"}
				h2, err := SignScheme(other, tc.scheme, body, now)
				require.NoError(t, err)
				require.ErrorIs(t, v.Verify(&Request{Method: http.MethodPost, Header: h2, Body: body}, now), ErrSignatureMismatch)
			}
			for k, vs := range h {
				for _, s := range secrets {
					require.NotContains(t, strings.Join(vs, ","), s, "header %s carries no secret", k)
				}
			}
		})
	}
}

// Timestamped schemes sign now: the verifier's window applies to it.
func TestSignTimestampWindow(t *testing.T) {
	t.Parallel()
	body := []byte(`{}`)
	for _, cfg := range []Config{
		{Provider: Webflow, Secrets: []string{"s"}},
		{Provider: Calendly, Secrets: []string{"s"}},
		{Provider: HubSpot, Secrets: []string{"s"}, URL: "https://h.example/hooks/x"},
	} {
		h, err := Sign(cfg, body, instant)
		require.NoError(t, err)
		v := mustVerifier(t, cfg)
		require.NoError(t, v.Verify(&Request{Method: "POST", Header: h, Body: body}, instant.Add(4*time.Minute)), cfg.Provider)
		require.ErrorIs(t, v.Verify(&Request{Method: "POST", Header: h, Body: body}, instant.Add(6*time.Minute)), ErrTimestampOutside, cfg.Provider)
	}
}

func TestSignRefusesWhatCannotVerify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		cfg    Config
		scheme string
		want   string
	}{
		{"no auth", Config{Provider: Typeform}, "", "no secret, token or insecure"},
		{"unknown provider", Config{Provider: "nope", Insecure: true}, "", `unknown provider "nope"`},
		{"hubspot without url", Config{Provider: HubSpot, Secrets: []string{"s"}}, "", "url is required"},
		{"generic without header", Config{Provider: Generic, Secrets: []string{"s"}}, "", "signature header is required"},
		{"jotform secret", Config{Provider: Jotform, Secrets: []string{"s"}}, "", "use token"},
		{"unknown hubspot scheme", Config{Provider: HubSpot, Secrets: []string{"s"}, URL: "https://h.example/x"}, "hubspot-v9", `unknown scheme "hubspot-v9"`},
		{"scheme on another provider", Config{Provider: Tally, Secrets: []string{"s"}}, SchemeHubSpotV1, "only hubspot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SignScheme(tc.cfg, tc.scheme, []byte(`{}`), instant)
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
			require.False(t, errors.Is(err, ErrSignatureMismatch))
		})
	}
}
