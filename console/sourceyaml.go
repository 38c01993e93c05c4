package console

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/leadbridge/leadbridge/mappings"
)

// hiddenSecret replaces a secret written literally in a mapping file when
// the playground shows the file's YAML: the page never shows a secret
// (written as ${VAR}, as it should be, it is shown as written).
const hiddenSecret = "hidden-by-the-console"

// sourceYAML returns one source's definition as it is written in its
// mapping file now, as a sources: document of its own, comments kept.
func sourceYAML(src *mappings.Source) (string, error) {
	data, err := os.ReadFile(src.File)
	if err != nil {
		return "", err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", fmt.Errorf("the file is no longer valid YAML: %w", err)
	}
	if len(doc.Content) == 0 {
		return "", fmt.Errorf("the file is empty now")
	}
	sources := valueOf(doc.Content[0], "sources")
	if sources == nil {
		return "", fmt.Errorf("the file has no sources: now")
	}
	for i := 0; i+1 < len(sources.Content); i += 2 {
		if k, v := sources.Content[i], sources.Content[i+1]; k.Value == src.Name {
			hideSecrets(v)
			out := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
				{Kind: yaml.ScalarNode, Value: "sources"},
				{Kind: yaml.MappingNode, Content: []*yaml.Node{k, v}},
			}}
			var buf bytes.Buffer
			enc := yaml.NewEncoder(&buf)
			enc.SetIndent(2)
			if err := enc.Encode(out); err != nil {
				return "", err
			}
			return buf.String(), nil
		}
	}
	return "", fmt.Errorf("source %s is no longer in the file", src.Name)
}

func valueOf(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// hideSecrets replaces literal values of secret, token and
// partnero.api_key; ${VAR} references stay.
func hideSecrets(src *yaml.Node) {
	hide := func(n *yaml.Node) {
		if n == nil {
			return
		}
		items := []*yaml.Node{n}
		if n.Kind == yaml.SequenceNode {
			items = n.Content
		}
		for _, it := range items {
			if it.Kind == yaml.ScalarNode && !strings.Contains(it.Value, "${") {
				it.Value, it.Style = hiddenSecret, 0
			}
		}
	}
	hide(valueOf(src, "secret"))
	hide(valueOf(src, "token"))
	hide(valueOf(valueOf(src, "partnero"), "api_key"))
}
