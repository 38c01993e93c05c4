package jsonstr

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestAppend(t *testing.T) {
	cases := map[string]string{
		"":               `""`,
		"plain":          `"plain"`,
		"q\"b\\":         `"q\"b\\"`,
		"\n\r\t\x00\x1f": `"\n\r\t\u0000\u001f"`,
		"\x7f":           "\"\x7f\"",
		"é€😀":            `"é€😀"`,
		"a\xffb":         `"a\ufffdb"`,
		"\u2028\u2029":   `"\u2028\u2029"`,
		"<&>":            `"<&>"`,
	}
	for in, want := range cases {
		require.Equal(t, want, string(Append(nil, in)), "%q", in)
	}
	require.Equal(t, `x"y"`, string(Append([]byte("x"), "y")), "appends")
}

// FuzzAppend checks the output against encoding/json: always valid JSON,
// decoding to the input (with invalid UTF-8 replaced, as encoding/json does).
func FuzzAppend(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x00", "\xff\xfe", "\u2028", "日本", "\\u0000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Append(nil, s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q gave invalid JSON %q: %v", s, out, err)
		}
		want, _ := json.Marshal(s)
		var wantBack string
		_ = json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Fatalf("%q round-trips to %q, encoding/json to %q", s, back, wantBack)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("valid %q changed to %q", s, back)
		}
	})
}
