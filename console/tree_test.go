package console

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/leadbridge/leadbridge/providers"
)

const jotformCT = "multipart/form-data; boundary=------------------------Jf7q2Xk9LmP4tR8sW1vB"

func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "providers", "testdata", "samples", name))
	require.NoError(t, err)
	return b
}

func leaves(n *node, out map[string]*node) map[string]*node {
	if out == nil {
		out = map[string]*node{}
	}
	if n.Kind != "object" && n.Kind != "array" {
		out[n.Path] = n
	}
	for _, c := range n.Children {
		leaves(c, out)
	}
	return out
}

// TestTreePaths: every leaf's path reaches its value in the document the
// mapping runs on, and every view path the tree names exists there too.
func TestTreePaths(t *testing.T) {
	tests := []struct {
		file, provider, contentType string
		path, view, title           string // one leaf to check exactly
	}{
		{"typeform.json", providers.Typeform, "application/json", "form_response.answers.2.email", "answers.email", "Your work email?"},
		{"typeform.json", providers.Typeform, "application/json", "form_response.answers.5.choices.labels.1", "answers.interests.1", ""},
		{"typeform.json", providers.Typeform, "application/json", "form_response.answers.4.choice.label", "answers.company_size", ""},
		{"tally.json", providers.Tally, "application/json", "data.fields.6.value.0", "fields.Company size", "Company size"},
		{"tally.json", providers.Tally, "application/json", "data.fields.4.value", "fields.Work email", "Work email"},
		{"hubspot-workflow.json", providers.HubSpot, "application/json", "properties.email.value", "props.email", "email"},
		{"jotform.multipart", providers.Jotform, jotformCT, "rawRequest.q4_email", "fields.email", "email"},
		{"jotform.multipart", providers.Jotform, jotformCT, "rawRequest.q3_fullName.first", "fields.fullName.first", "fullName"},
		{"webflow.json", providers.Webflow, "application/json", "payload.data.Email", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+tt.path, func(t *testing.T) {
			raw := sample(t, tt.file)
			root, truncated, err := payloadTree(tt.provider, tt.contentType, raw)
			require.NoError(t, err)
			require.False(t, truncated)
			doc, err := providers.Decode(tt.provider, tt.contentType, raw)
			require.NoError(t, err)
			all := leaves(root, nil)
			for p, n := range all {
				got := gjson.GetBytes(doc, p)
				require.True(t, got.Exists(), "path %s", p)
				if got.Type == gjson.String {
					require.Equal(t, cut(got.Str, maxValueLen), n.Value, p)
				} else {
					require.Equal(t, got.Raw, n.Value, p)
				}
				if n.View != "" {
					require.True(t, gjson.GetBytes(doc, n.View).Exists(), "view path %s of %s", n.View, p)
				}
			}
			n, ok := all[tt.path]
			require.True(t, ok, "no leaf %s among %d", tt.path, len(all))
			require.Equal(t, tt.view, n.View)
			if tt.title != "" {
				require.Equal(t, tt.title, n.Title)
			}
			for p := range all {
				for _, view := range []string{"answers.", "fields.", "props."} {
					if tt.provider != providers.Generic && tt.provider != providers.Webflow {
						require.False(t, strings.HasPrefix(p, view), "the view's own keys are not part of the tree: %s", p)
					}
				}
			}
		})
	}
}

func TestTreeTypeformTitles(t *testing.T) {
	root, _, err := payloadTree(providers.Typeform, "", sample(t, "typeform.json"))
	require.NoError(t, err)
	all := leaves(root, nil)
	require.Equal(t, "What's your first name?", all["form_response.answers.0.text"].Title)
	require.Equal(t, "What's your first name?", all["form_response.answers.0.field.ref"].Title, "any value of an answer names its question")
	require.Empty(t, all["form_response.answers.0.field.ref"].View)
	require.Equal(t, "ref_123", all["form_response.hidden.ref"].Value)
}

func TestTreeEscapesKeys(t *testing.T) {
	root, _, err := payloadTree(providers.Generic, "application/json", []byte(`{"a.b":{"c?":1},"list":[{"x":"<script>"}]}`))
	require.NoError(t, err)
	all := leaves(root, nil)
	require.Contains(t, all, `a\.b.c\?`)
	require.Equal(t, "<script>", all["list.0.x"].Value)
	require.Equal(t, "[0]", root.Children[1].Children[0].Key)
}

func TestTreeIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := range 3 * maxTreeNodes {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"n":%d}`, i)
	}
	b.WriteString(`]}`)
	root, truncated, err := payloadTree(providers.Generic, "", []byte(b.String()))
	require.NoError(t, err)
	require.True(t, truncated)
	count := 0
	var walk func(n *node)
	walk = func(n *node) {
		count++
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(root)
	require.LessOrEqual(t, count, maxTreeNodes+1)
}

func TestViewIndexLookup(t *testing.T) {
	x := viewIndex{"a": {Title: "A"}, "a.b": {Path: "v.b", Title: "B"}}
	require.Equal(t, viewRef{Path: "v.b.c.0", Title: "B"}, x.lookup("a.b.c.0"))
	require.Equal(t, viewRef{Title: "A"}, x.lookup("a.x"))
	require.Equal(t, viewRef{}, x.lookup("z"))
	require.Equal(t, viewRef{}, x.lookup(`a\.b`), "an escaped dot is part of the key")
	require.Equal(t, 1, lastDot(`a.b\.c`))
}
