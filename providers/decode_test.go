package providers

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, ct, body string
		want           error
	}{
		{name: "plain", ct: "application/json", body: `{"a":1}`},
		{name: "charset ignored", ct: "application/json; charset=utf-8", body: `{"a":1}`},
		{name: "upper case type", ct: "Application/JSON", body: `{"a":1}`},
		{name: "bad parameter still JSON", ct: "application/json; charset", body: `{"a":1}`},
		{name: "suffix type", ct: "application/vnd.api+json", body: `{"a":1}`},
		{name: "root array", ct: "application/json", body: `[{"a":1}]`},
		{name: "scalar root", ct: "application/json", body: `"just a string"`},
		{name: "invalid", ct: "application/json", body: `{"a":}`, want: ErrMalformedBody},
		{name: "truncated", ct: "application/json", body: `{"a":1`, want: ErrMalformedBody},
		{name: "empty", ct: "application/json", body: ``, want: ErrMalformedBody},
		{name: "two documents", ct: "application/json", body: `{} {}`, want: ErrMalformedBody},
		{name: "form sent as JSON", ct: "application/json", body: `a=1`, want: ErrMalformedBody},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			out, err := Decode(Generic, c.ct, []byte(c.body))
			if c.want != nil {
				require.ErrorIs(t, err, c.want)
				require.Nil(t, out)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.body, string(out), "a JSON body without a view is passed through byte for byte")
		})
	}
}

func TestDecodeJSONErrorDoesNotQuotePayload(t *testing.T) {
	t.Parallel()
	_, err := Decode(Generic, "application/json", []byte(`{"email":"alice@example.com",}`))
	require.ErrorIs(t, err, ErrMalformedBody)
	require.NotContains(t, err.Error(), "alice")
	require.Contains(t, err.Error(), "at byte")
}

func TestDecodeURLEncoded(t *testing.T) {
	t.Parallel()
	const ct = "application/x-www-form-urlencoded"
	cases := []struct {
		name, ct, body, want string
		err                  error
	}{
		{name: "simple", body: "name=Alice+Brown&email=alice%40example.com", want: `{"name":"Alice Brown","email":"alice@example.com"}`},
		{name: "repeated keys become arrays", body: "interest=API&ref=r1&interest=SSO&interest=Reports",
			want: `{"interest":["API","SSO","Reports"],"ref":"r1"}`},
		{name: "dotted key kept verbatim", body: "1.3=Alice&a.b=x", want: `{"1.3":"Alice","a.b":"x"}`},
		{name: "bracket key kept verbatim", body: "fields%5Bemail%5D=a%40b.c", want: `{"fields[email]":"a@b.c"}`},
		{name: "empty segments skipped", body: "&a=1&&b=2&", want: `{"a":"1","b":"2"}`},
		{name: "no equals sign", body: "flag&a=1", want: `{"flag":"","a":"1"}`},
		{name: "empty value", body: "a=", want: `{"a":""}`},
		{name: "equals in value", body: "a=b=c", want: `{"a":"b=c"}`},
		{name: "semicolon kept", body: "note=a;b&x=1", want: `{"note":"a;b","x":"1"}`},
		{name: "json-special characters escaped", body: "q=%22hi%22%5C%0A%01", want: `{"q":"\"hi\"\\\n\u0001"}`},
		{name: "invalid utf-8 replaced", body: "n=Ren%E9", want: `{"n":"Ren\ufffd"}`},
		{name: "utf-8 kept", body: "n=Ren%C3%A9", want: `{"n":"René"}`},
		{name: "names differing only in invalid bytes share a key", body: "%93=a&%89=b", want: "{\"\ufffd\":[\"a\",\"b\"]}"},
		{name: "charset ignored", ct: ct + "; charset=ISO-8859-1", body: "a=1", want: `{"a":"1"}`},
		{name: "empty body", body: "", want: `{}`},
		{name: "bad escape in value", body: "a=%zz", err: ErrMalformedBody},
		{name: "bad escape in key", body: "%g=1", err: ErrMalformedBody},
		{name: "truncated escape", body: "a=%4", err: ErrMalformedBody},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			typ := c.ct
			if typ == "" {
				typ = ct
			}
			out, err := Decode(Generic, typ, []byte(c.body))
			if c.err != nil {
				require.ErrorIs(t, err, c.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, string(out))
		})
	}
}

// multipartBody writes parts with mime/multipart so the tests do not depend
// on hand-written boundaries.
func multipartBody(t *testing.T, build func(w *multipart.Writer)) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	build(w)
	require.NoError(t, w.Close())
	return w.FormDataContentType(), buf.Bytes()
}

func TestDecodeMultipart(t *testing.T) {
	t.Parallel()
	ct, body := multipartBody(t, func(w *multipart.Writer) {
		require.NoError(t, w.WriteField("name", "Alice"))
		require.NoError(t, w.WriteField("interest", "API"))
		fw, err := w.CreateFormFile("cv", "cv.pdf")
		require.NoError(t, err)
		_, err = fw.Write(bytes.Repeat([]byte("%PDF"), 1000))
		require.NoError(t, err)
		require.NoError(t, w.WriteField("interest", "SSO"))
		// A browser's empty file input: filename present but empty.
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="photo"; filename=""`)
		h.Set("Content-Type", "application/octet-stream")
		_, err = w.CreatePart(h)
		require.NoError(t, err)
		// Not form-data: skipped.
		h = textproto.MIMEHeader{}
		h.Set("Content-Disposition", `attachment; name="x"`)
		pw, err := w.CreatePart(h)
		require.NoError(t, err)
		_, _ = pw.Write([]byte("ignored"))
		// No name: skipped.
		h = textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data`)
		pw, err = w.CreatePart(h)
		require.NoError(t, err)
		_, _ = pw.Write([]byte("ignored"))
		require.NoError(t, w.WriteField("a.b", "multi\r\nline"))
		require.NoError(t, w.WriteField("empty", ""))
	})
	out, err := Decode(Generic, ct, body)
	require.NoError(t, err)
	require.Equal(t, `{"name":"Alice","interest":["API","SSO"],"a.b":"multi\r\nline","empty":""}`, string(out))
}

func TestDecodeMultipartMalformed(t *testing.T) {
	t.Parallel()
	ct, body := multipartBody(t, func(w *multipart.Writer) {
		require.NoError(t, w.WriteField("name", "Alice"))
		require.NoError(t, w.WriteField("email", "alice@example.com"))
	})
	cut := bytes.Index(body, []byte("alice@"))
	cases := []struct {
		name, ct string
		body     []byte
	}{
		{"truncated before the closing boundary", ct, body[:cut]},
		{"no closing boundary", ct, body[:len(body)-4]},
		{"empty body", ct, nil},
		{"not multipart at all", ct, []byte("name=Alice")},
		{"wrong boundary", "multipart/form-data; boundary=other", body},
		{"no boundary parameter", "multipart/form-data", body},
		{"broken part header", "multipart/form-data; boundary=b", []byte("--b\r\nContent-Disposition form-data\r\n\r\nx\r\n--b--\r\n")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := Decode(Generic, c.ct, c.body)
			require.ErrorIs(t, err, ErrMalformedBody)
			require.NotContains(t, err.Error(), "Alice")
		})
	}
	// The closing boundary alone is a valid, empty form.
	out, err := Decode(Generic, "multipart/form-data; boundary=b", []byte("--b--\r\n"))
	require.NoError(t, err)
	require.Equal(t, `{}`, string(out))
}

func TestDecodeUnsupported(t *testing.T) {
	t.Parallel()
	for _, ct := range []string{"text/plain", "application/xml", "text/json", "text/html; charset=utf-8", "application/octet-stream", "garbage", "/"} {
		_, err := Decode(Generic, ct, []byte(`{"a":1}`))
		require.ErrorIs(t, err, ErrUnsupportedMediaType, ct)
	}
}

func TestDecodeDetect(t *testing.T) {
	t.Parallel()
	cases := []struct {
		body, want string
		err        error
	}{
		{body: `{"a":1}`, want: `{"a":1}`},
		{body: " \r\n\t[1,2]", want: " \r\n\t[1,2]"},
		{body: "a=1&b=2", want: `{"a":"1","b":"2"}`},
		{body: "  a=1", want: `{"  a":"1"}`},
		{body: "", want: `{}`},
		{body: `{"a":`, err: ErrMalformedBody}, // looks like JSON, so it must be JSON
		{body: "\"str\"", want: `{"\"str\"":""}`},
	}
	for _, c := range cases {
		for _, ct := range []string{"", "  "} {
			out, err := Decode(Generic, ct, []byte(c.body))
			if c.err != nil {
				require.ErrorIs(t, err, c.err, c.body)
				continue
			}
			require.NoError(t, err, c.body)
			require.Equal(t, c.want, string(out), c.body)
		}
	}
}

func TestDecodeUnknownProvider(t *testing.T) {
	t.Parallel()
	_, err := Decode("wufoo", "application/json", []byte(`{}`))
	require.EqualError(t, err, `decode: unknown provider "wufoo"`)
	require.NotErrorIs(t, err, ErrMalformedBody)
	require.NotErrorIs(t, err, ErrUnsupportedMediaType)
}

func TestDeepNestingIsRejected(t *testing.T) {
	t.Parallel()
	ok := strings.Repeat("[", 256) + strings.Repeat("]", 256)
	_, err := Decode(Generic, "application/json", []byte(ok))
	require.NoError(t, err)
	deep := strings.Repeat("[", 257) + strings.Repeat("]", 257)
	_, err = Decode(Generic, "application/json", []byte(deep))
	require.ErrorIs(t, err, ErrMalformedBody)
	require.ErrorContains(t, err, "nested deeper than 256 levels")
	// A megabyte of "[" is refused without recursing into it.
	_, err = Decode(Generic, "application/json", bytes.Repeat([]byte("["), 1<<20))
	require.ErrorIs(t, err, ErrMalformedBody)
	// Brackets inside strings do not count.
	_, err = Decode(Generic, "application/json", []byte(`{"a":"`+strings.Repeat("[", 1000)+`\"["}`))
	require.NoError(t, err)
}

// FuzzValidJSON checks the fast validator against encoding/json on
// everything within the nesting bound.
func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{`{}`, `[1,2]`, `{"a":"b\"c"}`, `01`, `1e5`, `-0.5`, `"\u00e9"`, `{"a":1,}`, "\xef\xbb\xbf{}", `[1 2]`, ` true `, `nul`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if bytes.Count(b, []byte("["))+bytes.Count(b, []byte("{")) > maxDepth {
			return
		}
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, encoding/json says %v", b, got, want)
		}
	})
}
