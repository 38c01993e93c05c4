package mappings

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/providers"
)

// sampleContentType is the Content-Type a provider sends the sample with.
func sampleContentType(name string) string {
	if filepath.Ext(name) == ".multipart" {
		return "multipart/form-data; boundary=------------------------Jf7q2Xk9LmP4tR8sW1vB"
	}
	return "application/json"
}

// exampleSamples pairs each source of mappings.example.yaml with the
// shared sample payload it is written for.
var exampleSamples = map[string]string{
	"jotform-demo":     "jotform.multipart",
	"typeform-demo":    "typeform.json",
	"hubspot-workflow": "hubspot-workflow.json",
	"tally-demo":       "tally.json",
	"webflow-demo":     "webflow.json",
	"calendly-demo":    "calendly.json",
	"website-form":     "formspree.json",
	"apps-script":      "google-forms-appsscript.json",
}

// TestGoldenExample runs every example source on its sample, decoded as
// the server decodes it (content type, provider views), and compares the
// Partnero body with testdata/golden/<source>.json.
func TestGoldenExample(t *testing.T) {
	cfg := loadExample(t)
	for name := range cfg.Sources {
		require.Contains(t, exampleSamples, name, "every example source needs a sample and a golden file")
	}
	for name, sample := range exampleSamples {
		t.Run(name, func(t *testing.T) {
			src := cfg.Sources[name]
			require.NotNil(t, src)
			raw, err := os.ReadFile(filepath.Join("testdata/samples", sample))
			require.NoError(t, err)
			doc, err := providers.Decode(src.Provider, sampleContentType(sample), raw)
			require.NoError(t, err)
			items, notes := src.Explain(raw, string(doc))
			require.Len(t, items, 1)
			require.Equal(t, Mapped, items[0].Outcome, "%v %s", items[0].Problems, items[0].Reason)
			var pretty bytes.Buffer
			require.NoError(t, json.Indent(&pretty, items[0].Lead.AppendJSON(nil), "", "  "))
			pretty.WriteByte('\n')
			golden := filepath.Join("testdata/golden", name+".json")
			if *update {
				require.NoError(t, os.WriteFile(golden, pretty.Bytes(), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.Equal(t, string(want), pretty.String())
			// The example's alternatives (partner.key fallbacks) may be
			// unused, but its required rules must all have matched.
			for _, n := range notes {
				require.NotContains(t, []string{"name", "email"}, n.Field, n.Message)
			}
		})
	}
}

// TestGoldenMoreSamples covers the shared samples the example has no
// source for (testdata/more_sources.yaml): the body, or for a sample the
// mapping cannot handle, the problems, compared with a golden file.
func TestGoldenMoreSamples(t *testing.T) {
	cfg, err := Loader{}.LoadFile("testdata/more_sources.yaml")
	require.NoError(t, err)
	samples := map[string]struct{ file, contentType string }{
		"fillout":                 {"fillout.json", "application/json"},
		"gravityforms":            {"gravityforms.json", "application/json"},
		"paperform":               {"paperform.json", "application/json"},
		"hubspot-workflow-custom": {"hubspot-workflow-custom.json", "application/json"},
		"hubspot-subscription":    {"hubspot-subscription.json", "application/json"},
		"formspree-form-encoded":  {"", "application/x-www-form-urlencoded"},
	}
	require.Len(t, cfg.Sources, len(samples))
	for name, sm := range samples {
		t.Run(name, func(t *testing.T) {
			raw := []byte("name=Alice+Brown&email=alice.brown%40example.com&ref=ref_123&company_size=11-50")
			if sm.file != "" {
				raw, err = os.ReadFile(filepath.Join("testdata/samples", sm.file))
				require.NoError(t, err)
			}
			src := cfg.Sources[name]
			doc, err := providers.Decode(src.Provider, sm.contentType, raw)
			require.NoError(t, err)
			items := src.Apply(raw, string(doc))
			require.Len(t, items, 1)
			var got []byte
			if items[0].Outcome == Mapped {
				var pretty bytes.Buffer
				require.NoError(t, json.Indent(&pretty, items[0].Lead.AppendJSON(nil), "", "  "))
				got = pretty.Bytes()
			} else {
				got, err = json.MarshalIndent(map[string]any{"outcome": items[0].Outcome.String(), "problems": items[0].Problems}, "", "  ")
				require.NoError(t, err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata/golden", "more-"+name+".json")
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.Equal(t, string(want), string(got))
		})
	}
}
