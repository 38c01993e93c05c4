package mappings

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWriteTry(t *testing.T) {
	s := srcWith(t, "    each: items\n", baseLead)
	doc := `{"items":[{"name":"A","email":"a@example.com","ref":"r1"},{"name":"B","email":"b@example.com"},{"name":"C","mail":"c@example.com","ref":"r3"}]}`
	items, notes := s.Explain([]byte(doc), doc)
	var bodies, diag, both strings.Builder
	require.True(t, WriteTry(&bodies, &diag, s, items, notes), "element 2 fails")
	require.Equal(t, "{\n  \"name\": \"A\",\n  \"email\": \"a@example.com\",\n  \"partner\": {\n    \"key\": \"r1\"\n  }\n}\n", bodies.String())
	out := diag.String()
	require.True(t, strings.HasPrefix(out, "source s (provider generic), 3 lead candidates\n"), out)
	require.Contains(t, out, "element 0: mapped (dedupe key ")
	require.Contains(t, out, "element 1: ignored (no partner); answered 200, nothing is sent\n")
	require.Contains(t, out, "element 2: mapping failed; answered 422 and stored for replay:\n  - email: ")
	require.Contains(t, out, "diagnostics (rules that yielded nothing):\n  element 1: partner.key: ")
	require.NotContains(t, out, `"name": "A"`, "bodies go to their own writer")

	WriteTry(&both, &both, s, items, notes)
	require.Contains(t, both.String(), "would POST /leads with:\n{\n  \"name\": \"A\"", "one writer interleaves as a terminal shows it")

	one := srcWith(t, "", baseLead)
	items, notes = one.Explain([]byte(`{"name":"A","email":"a@example.com","ref":"r"}`), `{"name":"A","email":"a@example.com","ref":"r"}`)
	diag.Reset()
	require.False(t, WriteTry(&bodies, &diag, one, items, notes))
	require.Contains(t, diag.String(), "1 lead candidate\nlead: mapped")
}
