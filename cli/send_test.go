package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/bridge"
	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/providers"
	"github.com/leadbridge/leadbridge/store"
)

// sendMapping has a capture source per provider and scheme: every webhook
// that verifies is answered 202 captured, whatever its payload.
const sendMapping = `sources:
  typeform:
    provider: typeform
    secret: ${TF_SECRET}
  tally:
    provider: tally
    secret: ${TALLY_SECRET}
  webflow:
    provider: webflow
    secret: ${WEBFLOW_SECRET}
  webflow-token:
    provider: webflow
    token: ${WEBFLOW_TOKEN}
  calendly:
    provider: calendly
    secret: ${CALENDLY_KEY}
  hubspot:
    provider: hubspot
    secret: ${HUBSPOT_SECRET}
    url: https://leads.example.com/hooks/hubspot?src=hs%3Aworkflow
  jotform:
    provider: jotform
    token: ${JOTFORM_TOKEN}
  form:
    provider: generic
    token: ["${FORM_TOKEN}", old-token]
  hmac-default:
    provider: generic
    secret: ${HMAC_SECRET}
    signature: {header: X-Signature}
  hmac-github:
    provider: generic
    secret: ${HMAC_SECRET}
    signature: {header: X-Hub-Signature, algorithm: sha1, encoding: hex, prefix: "sha1="}
  hmac-b64:
    provider: generic
    secret: ${HMAC_SECRET}
    signature: {header: X-Sig, algorithm: sha512, encoding: base64}
  open:
    provider: generic
    insecure: true
`

var sendEnv = map[string]string{
	"TF_SECRET": "tf-s3cret", "TALLY_SECRET": "tally-s3cret", "WEBFLOW_SECRET": "wf-s3cret", "WEBFLOW_TOKEN": "wf-t0ken",
	"CALENDLY_KEY": "cal-s3cret", "HUBSPOT_SECRET": "hs-s3cret", "JOTFORM_TOKEN": "jf-t0ken", "FORM_TOKEN": "form-t0ken", "HMAC_SECRET": "hmac-s3cret",
}

// startIntake serves the real public handler of a bridge.Server on
// sendMapping, loaded with the server's environment.
func startIntake(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	dir := t.TempDir()
	mfile := filepath.Join(dir, "m.yaml")
	require.NoError(t, os.WriteFile(mfile, []byte(sendMapping), 0o600))
	cfg, err := mappings.Loader{LookupEnv: func(k string) (string, bool) { v, ok := sendEnv[k]; return v, ok }}.LoadFile(mfile)
	require.NoError(t, err)
	st, err := store.Open(context.Background(), store.Config{DSN: filepath.Join(dir, "lb.db")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	srv, err := bridge.New(bridge.Config{}, bridge.Deps{Store: st, Mappings: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	ts := httptest.NewServer(srv.PublicHandler())
	t.Cleanup(ts.Close)
	return ts, mfile
}

// TestSendVerifiesOnTheIntake: send signs (or adds the token) so that the
// real intake verifies it, for every provider and scheme.
func TestSendVerifiesOnTheIntake(t *testing.T) {
	ts, mfile := startIntake(t)
	samples := "../mappings/testdata/samples/"
	form := filepath.Join(t.TempDir(), "form.txt")
	require.NoError(t, os.WriteFile(form, []byte("name=Alice+Brown&email=alice.brown%40example.com&ref=ref_123"), 0o600))
	for _, tc := range []struct{ source, payload string }{
		{"typeform", samples + "typeform.json"},
		{"tally", samples + "tally.json"},
		{"webflow", samples + "webflow.json"},
		{"webflow-token", samples + "webflow.json"},
		{"calendly", samples + "calendly.json"},
		{"hubspot", samples + "hubspot-workflow.json"},
		{"jotform", samples + "jotform.multipart"},
		{"form", samples + "formspree.json"},
		{"form", form},
		{"hmac-default", samples + "google-forms-appsscript.json"},
		{"hmac-github", samples + "paperform.json"},
		{"hmac-b64", samples + "fillout.json"},
		{"open", samples + "gravityforms.json"},
	} {
		t.Run(tc.source+"/"+filepath.Base(tc.payload), func(t *testing.T) {
			r := run(t, sendEnv, "", "send", "--mappings", mfile, "--source", tc.source, "--url", ts.URL+"/hooks/"+tc.source, tc.payload)
			require.Equal(t, 0, r.code, "%s%s", r.out, r.err)
			require.Regexp(t, `^202 Accepted\n\{"status":"captured","id":\d+\}\n$`, r.out)
			require.Contains(t, r.err, "POST "+ts.URL+"/hooks/"+tc.source)

			// With another secret or token than the server's, the intake refuses it.
			wrong := map[string]string{}
			for k := range sendEnv {
				wrong[k] = "wrong-value"
			}
			r = run(t, wrong, "", "send", "--mappings", mfile, "--source", tc.source, "--url", ts.URL+"/hooks/"+tc.source, tc.payload)
			if tc.source == "open" {
				require.Equal(t, 0, r.code, r.out)
				return
			}
			require.Equal(t, 1, r.code, r.out)
			require.True(t, strings.HasPrefix(r.out, "401 Unauthorized\n"), r.out)
		})
	}
}

// HubSpot's three versions, each alone, verify on the intake.
func TestHubSpotSchemesOnTheIntake(t *testing.T) {
	ts, _ := startIntake(t)
	cfg := providers.Config{Provider: providers.HubSpot, Secrets: []string{sendEnv["HUBSPOT_SECRET"]}, URL: "https://leads.example.com/hooks/hubspot?src=hs%3Aworkflow"}
	for i, scheme := range []string{providers.SchemeHubSpotV1, providers.SchemeHubSpotV2, providers.SchemeHubSpotV3} {
		body := []byte(`{"vid":` + string(rune('1'+i)) + `,"properties":{"email":{"value":"a@b.co"}}}`)
		h, err := providers.SignScheme(cfg, scheme, body, time.Now())
		require.NoError(t, err)
		req, err := http.NewRequest(http.MethodPost, ts.URL+"/hooks/hubspot", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header = h
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusAccepted, resp.StatusCode, "%s: %s", scheme, answer)
	}
}

func TestSendDefaultsAndErrors(t *testing.T) {
	ts, mfile := startIntake(t)
	payload := "../mappings/testdata/samples/typeform.json"

	// The default URL is the local --addr (a wildcard host asked on the loopback).
	port := ts.Listener.Addr().String()
	port = port[strings.LastIndex(port, ":"):]
	env := map[string]string{"LEADBRIDGE_ADDR": "0.0.0.0" + port}
	for k, v := range sendEnv {
		env[k] = v
	}
	r := run(t, env, "", "send", "--mappings", mfile, "--source", "typeform", payload)
	require.Equal(t, 0, r.code, r.out+r.err)
	require.Contains(t, r.err, "POST http://127.0.0.1"+port+"/hooks/typeform")
	r = run(t, env, "", "send", "--mappings", mfile, "--source", "typeform", payload)
	require.Equal(t, 0, r.code, "a duplicate is a 2xx")
	require.Contains(t, r.out, `"status":"duplicate"`)

	// stdin, and only the sending source's secret needs to be set.
	stdin, err := os.ReadFile(payload)
	require.NoError(t, err)
	r = run(t, map[string]string{"TF_SECRET": sendEnv["TF_SECRET"]}, string(stdin)+" ", "send", "--mappings", mfile, "--source", "typeform", "--url", ts.URL+"/hooks/typeform", "-")
	require.Equal(t, 0, r.code, r.out+r.err)

	for _, tc := range []struct {
		env  map[string]string
		args []string
		code int
		err  string
	}{
		{sendEnv, []string{"send", payload}, 2, "--source is required"},
		{sendEnv, []string{"send", "--source", "typeform"}, 2, "give exactly one payload file"},
		{sendEnv, []string{"send", "--source", "nope", "--mappings", mfile, payload}, 2, `no source "nope"`},
		{sendEnv, []string{"send", "--source", "typeform", "--url", "ftp://x", payload}, 2, "--url: expected an absolute http(s) URL"},
		{sendEnv, []string{"send", "--source", "typeform", "--addr", "nope", payload}, 2, "--addr: expected host:port"},
		{sendEnv, []string{"send", "--source", "typeform", "--timeout", "0", payload}, 2, "--timeout"},
		{map[string]string{}, []string{"send", "--source", "typeform", "--mappings", mfile, payload}, 1,
			`source "typeform": ${TF_SECRET} not set: send signs with the source's own secret or token`},
		{sendEnv, []string{"send", "--source", "typeform", "--mappings", mfile, "--url", "http://127.0.0.1:1/hooks/typeform", payload}, 1, "is leadbridge serve running there?"},
	} {
		r := run(t, tc.env, "", tc.args...)
		require.Equal(t, tc.code, r.code, "%v\n%s", tc.args, r.err)
		require.Contains(t, r.err, tc.err, tc.args)
		for _, v := range sendEnv {
			require.NotContains(t, r.err+r.out, v, "no secret in any message")
		}
	}
}

func TestDetectContentType(t *testing.T) {
	require.Equal(t, "application/json", detectContentType([]byte(" \n{\"a\":1}")))
	require.Equal(t, "application/json", detectContentType([]byte(`[1]`)))
	require.Equal(t, "application/x-www-form-urlencoded", detectContentType([]byte(`a=1&b=2`)))
	require.Equal(t, "multipart/form-data; boundary=xyz", detectContentType([]byte("--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--xyz--\r\n")))
}
