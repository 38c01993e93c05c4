package draft

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/providers"
)

// samplesDir holds the shared provider samples (a byte-exact copy of
// shared/reference/providers/samples).
const samplesDir = "../mappings/testdata/samples"

// sampleSources is a capture source (no lead:) per sample, configured as
// a user would for that provider.
var sampleSources = map[string]struct{ provider, auth, contentType string }{
	"typeform.json":                {"typeform", "secret: ${TYPEFORM_SECRET}", ""},
	"tally.json":                   {"tally", "secret: ${TALLY_SIGNING_SECRET}", ""},
	"calendly.json":                {"calendly", "secret: ${CALENDLY_SIGNING_KEY}\n    tolerance: 3m", ""},
	"webflow.json":                 {"webflow", "token: ${WEBFLOW_TOKEN}", ""},
	"hubspot-workflow.json":        {"hubspot", "secret: ${HUBSPOT_CLIENT_SECRET}\n    url: https://hooks.example.com/hooks/s", ""},
	"hubspot-workflow-custom.json": {"hubspot", "secret: ${HUBSPOT_CLIENT_SECRET}\n    url: https://hooks.example.com/hooks/s", ""},
	"hubspot-subscription.json":    {"hubspot", "secret: [\"${HS_NEW}\", \"${HS_OLD}\"]\n    url: https://hooks.example.com/hooks/s", ""},
	"jotform.multipart":            {"jotform", "token: ${JOTFORM_TOKEN}", "multipart/form-data; boundary=------------------------Jf7q2Xk9LmP4tR8sW1vB"},
	"jotform-uploads.multipart":    {"jotform", "token: ${JOTFORM_TOKEN}", "multipart/form-data; boundary=------------------------Jf7q2Xk9LmP4tR8sW1vB"},
	"tally-example.json":           {"tally", "secret: ${TALLY_SIGNING_SECRET}", ""},
	"typeform-example.json":        {"typeform", "secret: ${TYPEFORM_SECRET}", ""},
	"fillout.json":                 {"generic", "token: ${FILLOUT_TOKEN}", ""},
	"formspree.json":               {"generic", "token: ${FORM_TOKEN}\n    rate_limit: 60/m", ""},
	"google-forms-appsscript.json": {"generic", "secret: ${APPS_SCRIPT_SECRET}\n    signature: {header: X-Signature, algorithm: sha256, encoding: base64}", ""},
	"gravityforms.json":            {"generic", "token: ${GF_TOKEN}", ""},
	"paperform.json":               {"generic", "insecure: true", ""},
}

// everyVar sets every ${VAR}, as a user does before `check`.
func everyVar(string) (string, bool) { return "set-by-the-user", true }

func loadSource(t *testing.T, yaml string) *mappings.Source {
	t.Helper()
	cfg, err := mappings.Loader{LookupEnv: everyVar}.Load("m.yaml", []byte(yaml))
	require.NoError(t, err, "%s", yaml)
	require.Len(t, cfg.Sources, 1)
	for _, s := range cfg.Sources {
		return s
	}
	return nil
}

// TestDraftEverySample drafts a source from every shared sample, with its
// capture source configured and with the source gone, and checks that the
// draft loads as `check` loads it and maps the sample to its lead.
func TestDraftEverySample(t *testing.T) {
	files, err := os.ReadDir(samplesDir)
	require.NoError(t, err)
	seen := 0
	for _, e := range files {
		name := e.Name()
		if name == "jotform.txt" { // a description of jotform.multipart, not a body
			continue
		}
		seen++
		sc, ok := sampleSources[name]
		require.True(t, ok, "sample %s has no source in this test", name)
		payload, err := os.ReadFile(filepath.Join(samplesDir, name))
		require.NoError(t, err)
		capture := loadSource(t, "sources:\n  s:\n    provider: "+sc.provider+"\n    "+sc.auth+"\n")
		require.True(t, capture.Capture)
		for _, mode := range []string{"configured", "gone"} {
			t.Run(name+"/"+mode, func(t *testing.T) {
				in := Input{SourceName: "s", Source: capture, ContentType: sc.contentType, Payload: payload}
				if mode == "gone" {
					in.Source = nil
				}
				res, err := Source(in)
				require.NoError(t, err)
				src := loadSource(t, string(res.YAML))
				require.False(t, src.Capture)
				want := sc.provider
				if mode == "gone" && name == "hubspot-workflow-custom.json" {
					want = "generic" // a custom body has nothing of HubSpot's shape
				}
				require.Equal(t, want, src.Provider, "the provider is kept (or recognised)\n%s", res.YAML)
				doc, err := providers.Decode(src.Provider, sc.contentType, payload)
				require.NoError(t, err)
				items := src.Apply(payload, string(doc))
				require.Len(t, items, 1)
				require.Equal(t, mappings.Mapped, items[0].Outcome, "%v %s\n%s", items[0].Problems, items[0].Reason, res.YAML)
				lead := items[0].Lead
				require.Equal(t, "alice.brown@example.com", lead.Email, "%s", res.YAML)
				require.Equal(t, "ref_123", lead.Partner.Key, "%s", res.YAML)
				if name == "hubspot-subscription.json" || name == "tally-example.json" {
					// No name in the events (Tally's example labels its name question "Text"): the email stands in.
					require.Equal(t, "alice.brown@example.com", lead.Name, "no name in the events: the email stands in")
					require.Empty(t, res.Name)
				} else if name == "typeform-example.json" {
					// Typeform's example asks for the first name only.
					require.Equal(t, "Alice", lead.Name, "%s", res.YAML)
				} else {
					require.Equal(t, "Alice Brown", lead.Name, "%s", res.YAML)
					require.NotEmpty(t, res.Name)
				}
				require.NotEmpty(t, res.Email)
				require.NotEmpty(t, res.PartnerKey)
				require.NotContains(t, string(res.YAML), "set-by-the-user")
			})
		}
	}
	require.Equal(t, len(sampleSources), seen, "every source of this test has its sample")
}

// The auth of the event's source is kept, secrets as the variables they
// were written with; settings are kept.
func TestDraftKeepsAuth(t *testing.T) {
	payload, err := os.ReadFile(filepath.Join(samplesDir, "hubspot-subscription.json"))
	require.NoError(t, err)
	src := loadSource(t, `sources:
  hs-capture:
    provider: hubspot
    secret: ["${HS_NEW}", "${HS_OLD}"]
    url: https://leads.example.com/hooks/hs-capture
    tolerance: 2m
    rate_limit: 10/s
    partner_missing: fail
    fallback_partner: {key: house}
    partnero: {api_key: "${OTHER_PROGRAM_KEY}"}
`)
	res, err := Source(Input{Name: "hs-leads", SourceName: "hs-capture", Source: src, ContentType: "application/json", Payload: payload})
	require.NoError(t, err)
	y := string(res.YAML)
	for _, want := range []string{
		"  hs-leads:\n    provider: hubspot\n",
		"    secret:\n      - ${HS_NEW}\n      - ${HS_OLD}\n",
		"    url: https://leads.example.com/hooks/hs-leads\n",
		"    tolerance: 2m0s\n", "    rate_limit: 10/s\n", "    partner_missing: fail\n",
		"    fallback_partner:\n      key: house\n", "    partnero:\n      api_key: ${OTHER_PROGRAM_KEY}\n",
	} {
		require.Contains(t, y, want)
	}
	got := loadSource(t, y)
	require.Equal(t, "hs-leads", got.Name)
	require.Equal(t, []string{"${HS_NEW}", "${HS_OLD}"}, []string{got.Secrets[0].Ref(), got.Secrets[1].Ref()})

	// A literal secret is never printed: the provider's usual variable instead.
	lit := loadSource(t, "sources:\n  tf:\n    provider: typeform\n    secret: sup3r-s3cret\n")
	typeform, err := os.ReadFile(filepath.Join(samplesDir, "typeform.json"))
	require.NoError(t, err)
	res, err = Source(Input{SourceName: "tf", Source: lit, Payload: typeform})
	require.NoError(t, err)
	require.NotContains(t, string(res.YAML), "sup3r-s3cret")
	require.Contains(t, string(res.YAML), "    secret: ${TYPEFORM_SECRET}\n")
}

func TestDraftBadInput(t *testing.T) {
	_, err := Source(Input{SourceName: "s", Payload: []byte(`{"a":`), ContentType: "application/json"})
	require.ErrorIs(t, err, ErrPayload)
	_, err = Source(Input{Name: "bad name", SourceName: "s", Payload: []byte(`{}`)})
	require.ErrorContains(t, err, "invalid source name")

	// No email: a draft still, that loads and says what to fill in.
	res, err := Source(Input{SourceName: "s", Payload: []byte(`{"name":"Alice Brown","ref":"ref_1"}`)})
	require.NoError(t, err)
	require.Empty(t, res.Email)
	require.Contains(t, string(res.YAML), "no email address in the payload")
	loadSource(t, string(res.YAML))
}

func TestEnvName(t *testing.T) {
	for in, want := range map[string]string{"typeform-demo": "TYPEFORM_DEMO", "a.b_c": "A_B_C", "9x": "SOURCE_9X"} {
		require.Equal(t, want, envName(in))
	}
	require.True(t, strings.HasPrefix(typicalSecret("generic", "web-form"), "WEB_FORM"))
}

// A Typeform form whose refs are generated ids: the rules are found by the
// questions' titles and the values' shapes, and every other answer is
// listed with its title, never with its value (a mapping file is no place
// for personal data).
func TestDraftTypeformUUIDRefs(t *testing.T) {
	payload, err := os.ReadFile("../mappings/testdata/typeform-uuid-refs.json")
	require.NoError(t, err)
	src := loadSource(t, "sources:\n  typeform-demo:\n    provider: typeform\n    secret: ${TYPEFORM_SECRET}\n")
	res, err := Source(Input{SourceName: "typeform-demo", Source: src, ContentType: "application/json", Payload: payload})
	require.NoError(t, err)
	y := string(res.YAML)
	require.Equal(t, "answers.0c1f7f0e-5a5e-4d8f-9b1e-2f3a4b5c6d03", res.Email)
	require.Equal(t, "{{answers.0c1f7f0e-5a5e-4d8f-9b1e-2f3a4b5c6d01}} {{answers.0c1f7f0e-5a5e-4d8f-9b1e-2f3a4b5c6d02}}", res.Name)
	require.Equal(t, "form_response.hidden.ref", res.PartnerKey)
	require.Contains(t, y, `email: answers.0c1f7f0e-5a5e-4d8f-9b1e-2f3a4b5c6d03`)
	require.Contains(t, y, `# "Your work email?"`)
	require.Contains(t, y, "      #   \"ID\": answers.0c1f7f0e-5a5e-4d8f-9b1e-2f3a4b5c6d11 # \"Company\"\n")
	require.Contains(t, y, `# "What are you interested in?"`)
	for _, personal := range []string{"Brown Consulting", "+447700900123", "alice.brown", "2500"} {
		require.NotContains(t, y, personal)
	}

	// Uncommenting the candidates (ids filled in) gives a source that loads
	// and sends them.
	var lines []string
	for i, l := range strings.Split(y, "\n") {
		if strings.HasPrefix(l, "      # cfields:") {
			l = "      cfields:"
		} else if strings.HasPrefix(l, `      #   "ID": `) {
			l = strings.Replace(strings.Replace(l, "#   ", "  ", 1), `"ID"`, `"`+strconv.Itoa(100+i)+`"`, 1)
		}
		lines = append(lines, l)
	}
	full := loadSource(t, strings.Join(lines, "\n"))
	doc, err := providers.Decode("typeform", "application/json", payload)
	require.NoError(t, err)
	items := full.Apply(payload, string(doc))
	require.Equal(t, mappings.Mapped, items[0].Outcome, "%v", items[0].Problems)
	require.GreaterOrEqual(t, len(items[0].Lead.CFields), 8)
}
