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

// TestGoldenRealShapes maps the samples built in the shapes providers
// publish (testdata/real_shapes.yaml) and compares each Partnero body with
// testdata/golden/real-<source>.json; the decoded documents, views
// included, are golden files of the providers package. Every rule of these
// sources must match: a rule that matched nothing is a regression of a
// view, not an unused fallback.
func TestGoldenRealShapes(t *testing.T) {
	cfg, err := Loader{}.LoadFile("testdata/real_shapes.yaml")
	require.NoError(t, err)
	samples := map[string]string{
		"typeform-example": "typeform-example.json",
		"tally-example":    "tally-example.json",
		"jotform-uploads":  "jotform-uploads.multipart",
	}
	require.Len(t, cfg.Sources, len(samples))
	for name, file := range samples {
		t.Run(name, func(t *testing.T) {
			src := cfg.Sources[name]
			require.NotNil(t, src)
			raw, err := os.ReadFile(filepath.Join("testdata/samples", file))
			require.NoError(t, err)
			// The shared copy in providers must be the same bytes.
			shared, err := os.ReadFile(filepath.Join("../providers/testdata/samples", file))
			require.NoError(t, err)
			require.Equal(t, string(shared), string(raw), "samples drifted from providers/testdata/samples")
			doc, err := providers.Decode(src.Provider, sampleContentType(file), raw)
			require.NoError(t, err)
			items, notes := src.Explain(raw, string(doc))
			require.Len(t, items, 1)
			require.Equal(t, Mapped, items[0].Outcome, "%v", items[0].Problems)
			require.Empty(t, notes, "every rule matches")
			var pretty bytes.Buffer
			require.NoError(t, json.Indent(&pretty, items[0].Lead.AppendJSON(nil), "", "  "))
			pretty.WriteByte('\n')
			golden := filepath.Join("testdata/golden", "real-"+name+".json")
			if *update {
				require.NoError(t, os.WriteFile(golden, pretty.Bytes(), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run with -update to create it")
			require.Equal(t, string(want), pretty.String())
		})
	}
}
