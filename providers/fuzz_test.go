package providers

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// Fuzz targets. Each checks properties, not just the absence of panics.
// Seeds: the f.Add calls below plus testdata/fuzz/<FuzzName>/, which also
// keeps any crasher found as a regression input. Run one with e.g.
//
//	go test ./providers -run='^$' -fuzz='^FuzzDecodeForm$' -fuzztime=5m

// FuzzDecodeForm compares the form decoder with url.ParseQuery, which it
// must agree with whenever the body has no ';' (ParseQuery rejects those).
func FuzzDecodeForm(f *testing.F) {
	for _, s := range []string{"", "a=1", "a=1&a=2&b=", "name=Alice+Brown&email=alice%40example.com", "%zz=1", "a=%4", "&&=&", "a.b=1&a%5Bb%5D=2", "n=Ren%E9", "x=%22%5C%00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := decodeURLEncoded(body)
		if err != nil {
			if !errors.Is(err, ErrMalformedBody) {
				t.Fatalf("error does not wrap ErrMalformedBody: %v", err)
			}
		} else if !json.Valid(out) {
			t.Fatalf("invalid JSON %q for %q", out, body)
		}
		if bytes.IndexByte(body, ';') >= 0 {
			return
		}
		want, qerr := url.ParseQuery(string(body))
		if (qerr != nil) != (err != nil) {
			t.Fatalf("ParseQuery error %v, ours %v, body %q", qerr, err, body)
		}
		if err != nil {
			return
		}
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("unmarshal %q: %v", out, err)
		}
		// Names are made valid UTF-8 before grouping, so raw names that
		// differ only in invalid bytes share one key.
		norm := map[string][]string{}
		merged := map[string]bool{}
		for k, vs := range want {
			nk := strings.ToValidUTF8(k, "\ufffd")
			if _, ok := norm[nk]; ok {
				merged[nk] = true
			}
			norm[nk] = append(norm[nk], vs...)
		}
		if len(got) != len(norm) {
			t.Fatalf("%d keys, ParseQuery %d: %q", len(got), len(norm), body)
		}
		for k, vs := range norm {
			if _, ok := got[k]; !ok {
				t.Fatalf("key %q missing: %q", k, out)
			}
			if merged[k] || !allValidUTF8(vs) {
				continue // order across merged names, and U+FFFD in values, are not comparable
			}
			switch g := got[k].(type) {
			case string:
				if len(vs) != 1 || vs[0] != g {
					t.Fatalf("key %q: %q, ParseQuery %q", k, g, vs)
				}
			case []any:
				if len(g) != len(vs) || len(vs) < 2 {
					t.Fatalf("key %q: %q, ParseQuery %q", k, g, vs)
				}
				for i := range vs {
					if g[i] != vs[i] {
						t.Fatalf("key %q: %q, ParseQuery %q", k, g, vs)
					}
				}
			default:
				t.Fatalf("key %q: unexpected %T", k, got[k])
			}
		}
	})
}

func allValidUTF8(vs []string) bool {
	for _, v := range vs {
		if !utf8.ValidString(v) {
			return false
		}
	}
	return true
}

// FuzzDecodeMultipart checks that any body and boundary give either
// ErrMalformedBody or a JSON object whose members are strings or arrays of
// at least two strings, and that file parts never appear.
func FuzzDecodeMultipart(f *testing.F) {
	f.Add(sample(f, "jotform.multipart"), "------------------------Jf7q2Xk9LmP4tR8sW1vB")
	f.Add([]byte("--b--\r\n"), "b")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n2\r\n--b--\r\n"), "b")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\n\r\nFILE\r\n--b--\r\n"), "b")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"q\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\na=3Db\r\n--b--\r\n"), "b")
	f.Add([]byte("--b\r\nContent-Disposition form-data\r\n\r\nx\r\n--b--\r\n"), "b")
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		out, err := decodeMultipart(body, boundary)
		if err != nil {
			if !errors.Is(err, ErrMalformedBody) {
				t.Fatalf("error does not wrap ErrMalformedBody: %v", err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON %q", out)
		}
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("not an object %q: %v", out, err)
		}
		for k, v := range got {
			switch v := v.(type) {
			case string:
			case []any:
				if len(v) < 2 {
					t.Fatalf("key %q: array of %d", k, len(v))
				}
				for _, e := range v {
					if _, ok := e.(string); !ok {
						t.Fatalf("key %q: element %T", k, e)
					}
				}
			default:
				t.Fatalf("key %q: %T", k, v)
			}
		}
		// Cross-check names with the standard reader: every non-file form
		// field it sees must be in our document, and no file field may be.
		mr := multipart.NewReader(bytes.NewReader(body), boundary)
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			name, isFile := formPartName(p.Header.Get("Content-Disposition"))
			if name == "" {
				continue
			}
			_, present := got[strings.ToValidUTF8(name, "\ufffd")]
			if !isFile && !present {
				t.Fatalf("field %q missing from %q", name, out)
			}
		}
	})
}

// FuzzCalendlyHeader checks that parsing never panics, that accepted
// headers are well formed, and that re-serialising a parsed header parses
// to the same value.
func FuzzCalendlyHeader(f *testing.F) {
	const good = "cdfbaf71d7d66e564cbd94826bf906978c561cd427feacb8916d08a1770e676b"
	for _, s := range []string{"t=1767225600,v1=" + good, "v1=" + good + ", t=1", "t=1,v1=" + good + ",v1=" + good, "t=1,t=2,v1=" + good,
		"t=,v1=", "t=-1,v1=" + good, ",,,", "=", "t=1,v0=x,v1=" + good, "t=99999999999999999999,v1=" + good} {
		f.Add(s)
	}
	body := sample(f, "calendly.json")
	c := &calendlyMAC{secrets: [][]byte{[]byte(testSecret)}, tolerance: defaultTolerance}
	f.Fuzz(func(t *testing.T, h string) {
		err := c.verify(&Request{Header: hdr(clSig, h), Body: body}, instant)
		if err != nil {
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("not a *VerifyError: %v", err)
			}
		}
		p, err := parseCalendlyHeader(h)
		if err != nil {
			return
		}
		if p.t < 0 || len(p.v1) == 0 {
			t.Fatalf("accepted %q as %+v", h, p)
		}
		if n, ok := parseDigits(p.tRaw); !ok || n != p.t {
			t.Fatalf("t %d does not match tRaw %q", p.t, p.tRaw)
		}
		var b strings.Builder
		b.WriteString("t=" + p.tRaw)
		for _, v := range p.v1 {
			if len(v) != 32 {
				t.Fatalf("v1 of %d bytes accepted", len(v))
			}
			b.WriteString(",v1=" + hex.EncodeToString(v))
		}
		q, err := parseCalendlyHeader(b.String())
		if err != nil || q.t != p.t || q.tRaw != p.tRaw || len(q.v1) != len(p.v1) {
			t.Fatalf("round trip of %q: %+v, %v", h, q, err)
		}
		for i := range p.v1 {
			if !bytes.Equal(p.v1[i], q.v1[i]) {
				t.Fatalf("round trip of %q changed v1 #%d", h, i)
			}
		}
	})
}

// decodeSomeReference is an independent statement of HubSpot's rule: a
// Replacer matches leftmost, non-overlapping, left to right, which is the
// single pass decodeSome must make.
var decodeSomeReference = strings.NewReplacer(
	"%3A", ":", "%3a", ":", "%2F", "/", "%2f", "/", "%3F", "?", "%3f", "?", "%40", "@",
	"%21", "!", "%24", "$", "%27", "'", "%28", "(", "%29", ")", "%2A", "*", "%2a", "*",
	"%2C", ",", "%2c", ",", "%3B", ";", "%3b", ";",
)

// FuzzDecodeSome compares decodeSome with the Replacer above.
func FuzzDecodeSome(f *testing.F) {
	for _, s := range []string{"", "https://hooks.example.com/webhooks/hubspot?src=hs%3Aworkflow&campaign=spring%20sale",
		"%3A%2F%3F%40%21%24%27%28%29%2A%2C%3B", "%3a%2f%3f", "%253A", "%%3A", "%", "%3", "a%3Ab%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := decodeSome(s)
		if want := decodeSomeReference.Replace(s); got != want {
			t.Fatalf("decodeSome(%q) = %q, reference %q", s, got, want)
		}
		if len(got) > len(s) {
			t.Fatalf("decodeSome grew %q to %q", s, got)
		}
	})
}

// fuzzContentTypes are the content types FuzzDecode picks from.
var fuzzContentTypes = []string{"", "application/json", "application/x-www-form-urlencoded",
	"multipart/form-data; boundary=b", jotformCT, "text/plain", "application/json; charset=utf-8"}

var fuzzProviders = []string{Typeform, HubSpot, Tally, Webflow, Calendly, Jotform, Generic}

// FuzzDecode runs whole bodies through Decode with every provider's view.
// Errors must be one of the two sentinels; a success must be valid JSON
// (checked by encoding/json, independently of gjson, which built it); a
// JSON object keeps every top-level member of the input unchanged (bar
// Jotform's rawRequest) and gains at most one key, the view's.
func FuzzDecode(f *testing.F) {
	for name, s := range goldenSamples {
		ct := 1
		if s.contentType == jotformCT {
			ct = 4
		}
		for i, p := range fuzzProviders {
			if p == s.provider {
				f.Add(byte(i), byte(ct), sample(f, name))
			}
		}
	}
	f.Add(byte(0), byte(1), []byte(`{"answers":1,"form_response":{"answers":[{"type":"choices","choices":{"labels":["a"],"other":"b"},"field":{"ref":"r"}}]}}`))
	f.Add(byte(2), byte(1), []byte(`{"data":{"fields":[{"label":"L","type":"CHECKBOXES","value":["x"],"options":[{"id":"x","text":"X"}]},{"label":"L (X)","type":"CHECKBOXES","value":true}]}}`))
	f.Add(byte(1), byte(1), []byte(`{"properties":{"a":{"value":1},"b":"flat","c":{}}}`))
	f.Add(byte(5), byte(2), []byte(`rawRequest=%7B%22q1_a%22%3A1%7D&formID=2`))
	f.Add(byte(5), byte(1), []byte(`{"rawRequest":"{\"q1_a\":{\"b\":[1]}}","fields":1}`))
	f.Add(byte(6), byte(0), []byte(` [1]`))
	f.Add(byte(0), byte(1), []byte(`{"form_response":{"definition":{"fields":[{"id":"i","ref":"r"},{"id":"i","ref":"s"}]},"answers":[{"type":"choices","choices":[{"label":"a"},{}],"field":{"id":"i"}},{"type":"text","text":"t","field":{"id":"i","ref":""}}]}}`))
	f.Add(byte(2), byte(1), []byte(`{"data":{"fields":[{"label":"M","type":"MATRIX","value":{"r":["c","x"],"q":"c","r":[]},"rows":[{"id":"r","text":"R"},{"id":"q","text":"R"}],"columns":[{"id":"c","text":"C"}]},{"label":"M (a)","type":"CHECKBOXES","value":true}]}}`))
	f.Add(byte(5), byte(1), []byte(`{"rawRequest":"{\"temp_upload\":{\"q1_f\":[\"x\"]},\"f\":[\"https:\\/\\/a\"],\"g\":[\"http://b\",1],\"q2_g\":\"v\"}"}`))
	f.Fuzz(func(t *testing.T, p, c byte, body []byte) {
		provider := fuzzProviders[int(p)%len(fuzzProviders)]
		ct := fuzzContentTypes[int(c)%len(fuzzContentTypes)]
		out, err := Decode(provider, ct, body)
		if err != nil {
			if !errors.Is(err, ErrMalformedBody) && !errors.Is(err, ErrUnsupportedMediaType) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("%s %q: invalid JSON output %q", provider, ct, out)
		}
		// Member checks apply when the body was decoded as JSON.
		wasJSON := ct == "application/json" || ct == "application/json; charset=utf-8" ||
			(ct == "" && detectMediaType(body) == mediaJSON)
		in := gjson.ParseBytes(body)
		if !wasJSON || !in.IsObject() {
			return
		}
		before, after := firstMembers(in), firstMembers(gjson.ParseBytes(out))
		if len(after) != len(before) && len(after) != len(before)+1 {
			t.Fatalf("%s: %d members became %d", provider, len(before), len(after))
		}
		// The one added member is the provider's view, an object.
		for k, raw := range after {
			if _, ok := before[k]; ok {
				continue
			}
			if k != viewKeys[provider] || !gjson.Parse(raw).IsObject() {
				t.Fatalf("%s: added member %q = %.100s", provider, k, raw)
			}
		}
		for k, raw := range before {
			if provider == Jotform && k == "rawRequest" {
				continue
			}
			if got, ok := after[k]; !ok || got != raw {
				t.Fatalf("%s: member %q changed from %q to %q", provider, k, raw, got)
			}
		}
	})
}

// viewKeys names the top-level key each provider's view adds.
var viewKeys = map[string]string{Typeform: "answers", Tally: "fields", HubSpot: "props", Jotform: "fields"}

// firstMembers maps each top-level key of an object to the raw JSON of its
// first occurrence (gjson, like most readers, sees the first duplicate).
func firstMembers(r gjson.Result) map[string]string {
	m := map[string]string{}
	r.ForEach(func(k, v gjson.Result) bool {
		if _, dup := m[k.Str]; !dup {
			m[k.Str] = v.Raw
		}
		return true
	})
	return m
}

// FuzzView runs every provider view on each valid JSON input (the other
// inputs are FuzzDecode's business), so that every execution exercises
// the view code: the output must be valid JSON (checked by encoding/json),
// keep every top-level member of an object input (bar Jotform's parsed
// rawRequest), and add at most the provider's view, an object.
func FuzzView(f *testing.F) {
	for name, s := range goldenSamples {
		if s.contentType == "application/json" {
			f.Add(sample(f, name))
		}
	}
	f.Add([]byte(`{"rawRequest":"{\"q1_a\":1,\"temp_upload\":{\"q2_f\":[]},\"f\":[\"https://x\"]}"}`))
	f.Add([]byte(`{"data":{"fields":[{"label":"M","type":"MATRIX","value":{"r":["c"]},"rows":[{"id":"r","text":"R"}],"columns":[{"id":"c","text":"C"}]}]}}`))
	f.Add([]byte(`{"form_response":{"definition":{"fields":[{"id":"i","ref":"r.x"}]},"answers":[{"type":"choices","choices":[{"label":"a"}],"field":{"id":"i"}}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if !validJSON(body) {
			return
		}
		in := gjson.ParseBytes(body)
		before := firstMembers(in)
		for _, provider := range []string{Typeform, Tally, HubSpot, Jotform} {
			out := addView(provider, body)
			if !json.Valid(out) {
				t.Fatalf("%s: invalid JSON output %q", provider, out)
			}
			if !in.IsObject() {
				if string(out) != string(body) {
					t.Fatalf("%s: a root that is not an object changed", provider)
				}
				continue
			}
			after := firstMembers(gjson.ParseBytes(out))
			for k, raw := range before {
				if provider == Jotform && k == "rawRequest" {
					continue
				}
				if got, ok := after[k]; !ok || got != raw {
					t.Fatalf("%s: member %q changed from %q to %q", provider, k, raw, got)
				}
			}
			for k, raw := range after {
				if _, ok := before[k]; ok {
					continue
				}
				if k != viewKeys[provider] || !gjson.Parse(raw).IsObject() {
					t.Fatalf("%s: added member %q = %.100s", provider, k, raw)
				}
			}
		}
	})
}
