package providers

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
)

// Regenerate deliberately with: go test ./providers -run TestGolden -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenSamples says how each sample is sent. Every file in
// testdata/samples must be listed here or in notSamples, so a new sample
// cannot be forgotten.
var goldenSamples = map[string]struct{ provider, contentType string }{
	"typeform.json":                {Typeform, "application/json"},
	"tally.json":                   {Tally, "application/json"},
	"hubspot-workflow.json":        {HubSpot, "application/json"},
	"hubspot-workflow-custom.json": {HubSpot, "application/json"},
	"hubspot-subscription.json":    {HubSpot, "application/json"},
	"webflow.json":                 {Webflow, "application/json"},
	"calendly.json":                {Calendly, "application/json"},
	"jotform.multipart":            {Jotform, jotformCT},
	"fillout.json":                 {Generic, "application/json"},
	"formspree.json":               {Generic, "application/json"},
	"google-forms-appsscript.json": {Generic, "application/json"},
	"gravityforms.json":            {Generic, "application/json"},
	"paperform.json":               {Generic, "application/json"},
	// Shapes of published payloads (testdata/samples/README.md).
	"typeform-example.json":     {Typeform, "application/json"},
	"tally-example.json":        {Tally, "application/json"},
	"jotform-uploads.multipart": {Jotform, jotformCT},
}

// notSamples are files in testdata/samples that are not request bodies.
var notSamples = map[string]string{
	"jotform.txt": "a readable description of jotform.multipart, with comments",
	"README.md":   "where each sample comes from",
}

func TestGolden(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(filepath.Join("testdata", "samples"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if _, skip := notSamples[e.Name()]; skip {
			continue
		}
		_, ok := goldenSamples[e.Name()]
		require.True(t, ok, "sample %s has no entry in goldenSamples", e.Name())
		names = append(names, e.Name())
	}
	require.Len(t, names, len(goldenSamples), "goldenSamples lists a file that is missing")
	sort.Strings(names)

	for _, name := range names {
		s := goldenSamples[name]
		t.Run(name, func(t *testing.T) {
			body := sample(t, name)
			out, err := Decode(s.provider, s.contentType, body)
			require.NoError(t, err)
			require.True(t, gjson.ValidBytes(out))

			golden := filepath.Join("testdata", "golden", strings.TrimSuffix(name, filepath.Ext(name))+".json")
			if *update {
				require.NoError(t, os.WriteFile(golden, out, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run with -update to create it")
			require.Equal(t, string(want), string(out))

			// Views only add keys: every top-level member of a JSON sample is
			// still there, byte for byte (Jotform's rawRequest is multipart).
			in := gjson.ParseBytes(body)
			if s.contentType == "application/json" && !in.IsObject() {
				require.Equal(t, string(body), string(out), "a root that is not an object gets no view")
			}
			if s.contentType == "application/json" && in.IsObject() {
				in.ForEach(func(k, v gjson.Result) bool {
					require.Equal(t, v.Raw, gjson.GetBytes(out, gjson.Escape(k.Str)).Raw, "member %s changed", k.Str)
					return true
				})
			}
		})
	}
}

// TestProviderNotesPaths runs gjson paths from providers.md against the
// decoded samples: decoding must not break what the notes promise.
func TestProviderNotesPaths(t *testing.T) {
	t.Parallel()
	cases := []struct{ file, path, want string }{
		{"typeform.json", `form_response.answers.#(field.ref=="email").email`, "alice.brown@example.com"},
		{"typeform.json", `form_response.hidden.ref`, "ref_123"},
		{"typeform.json", `form_response.variables.#(key=="plan").text`, "growth"},
		{"hubspot-workflow.json", `properties.partner_ref.value`, "ref_123"},
		{"hubspot-subscription.json", `#(propertyName=="partner_ref").propertyValue`, "ref_123"},
		{"hubspot-workflow-custom.json", `partner_ref`, "ref_123"},
		{"tally.json", `data.fields.#(type=="INPUT_EMAIL").value`, "alice.brown@example.com"},
		{"webflow.json", `payload.data.First Name`, "Alice"},
		{"calendly.json", `payload.tracking.utm_campaign`, "ref_123"},
		{"jotform.multipart", `rawRequest.q*_ref`, "ref_123"},
		{"jotform.multipart", `submissionID`, "6012345678901234567"},
		{"gravityforms.json", `1\.3`, "Alice"},
		{"paperform.json", `data.#(custom_key=="ref").value`, "ref_123"},
		{"fillout.json", `submission.urlParameters.#(name=="ref").value`, "ref_123"},
		{"google-forms-appsscript.json", `answers.Referral code`, "ref_123"},
		{"formspree.json", `submission.ref`, "ref_123"},
	}
	for _, c := range cases {
		s := goldenSamples[c.file]
		out, err := Decode(s.provider, s.contentType, sample(t, c.file))
		require.NoError(t, err)
		require.Equal(t, c.want, gjson.GetBytes(out, c.path).String(), "%s: %s", c.file, c.path)
	}
}
