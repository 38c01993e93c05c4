package providers

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"
)

// MaxFormFields bounds the fields (multipart: parts) of a form body: the
// same bound as Go's own multipart form reader (GODEBUG multipartmaxparts)
// and PHP's max_input_vars, under which WordPress form plugins already
// live. Real forms have tens of fields; a megabyte of one-letter fields
// would otherwise cost some 30 bytes of bookkeeping per body byte (map
// entries, part headers) while it is decoded.
const MaxFormFields = 1000

// errTooManyFields is the answer to a form body over MaxFormFields.
var errTooManyFields = fmt.Errorf("decode form: more than %d fields: %w", MaxFormFields, ErrMalformedBody)

// formFields collects decoded form fields in the order they first appear,
// so the JSON document reads like the form did.
type formFields struct {
	keys   []string
	values map[string][]string
}

func (f *formFields) add(k, v string) {
	// Names are made valid UTF-8 before grouping: two names that differ
	// only in invalid bytes would otherwise both be written as "\ufffd",
	// a duplicate key whose second value no reader sees.
	k = validUTF8(k)
	if f.values == nil {
		f.values = make(map[string][]string)
	}
	if _, ok := f.values[k]; !ok {
		f.keys = append(f.keys, k)
	}
	f.values[k] = append(f.values[k], v)
}

// appendJSON writes the fields as one JSON object: a field seen once is a
// string, a repeated field an array of strings (checkbox groups). Keys are
// used verbatim: a field "a.b" stays "a.b", and mappings escape the dot.
func (f *formFields) appendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	for i, k := range f.keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		vs := f.values[k]
		if len(vs) == 1 {
			dst = appendJSONString(dst, vs[0])
			continue
		}
		dst = append(dst, '[')
		for j, v := range vs {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, v)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// decodeURLEncoded turns an application/x-www-form-urlencoded body into a
// JSON object. Fields are split on "&" only: unlike url.ParseQuery, which
// rejects ";" since Go 1.17, a ";" is kept as part of the value, because
// rejecting a lead for a semicolon in a comment box would lose it. Empty
// segments are skipped; a field without "=" has the empty value. The
// charset parameter is ignored: bytes that are not UTF-8 become U+FFFD.
func decodeURLEncoded(body []byte) ([]byte, error) {
	var f formFields
	s := string(body)
	n := 0
	for seg := range strings.SplitSeq(s, "&") {
		if seg == "" {
			continue
		}
		n++
		if n > MaxFormFields {
			return nil, errTooManyFields
		}
		rawKey, rawValue, _ := strings.Cut(seg, "=")
		k, err := url.QueryUnescape(rawKey)
		if err != nil {
			// The escape itself is not quoted: payload stays out of errors.
			return nil, fmt.Errorf("decode form: field %d: invalid percent-escape in name: %w", n, ErrMalformedBody)
		}
		v, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, fmt.Errorf("decode form: field %d: invalid percent-escape in value: %w", n, ErrMalformedBody)
		}
		f.add(k, v)
	}
	return f.appendJSON(make([]byte, 0, jsonCap(len(body)))), nil
}

// decodeMultipart turns a multipart/form-data body into a JSON object of its
// text fields. File parts (any part whose Content-Disposition has a
// filename parameter, even an empty one as browsers send for an empty file
// input) are skipped: the reader discards them without buffering, and
// leads never carry files. Parts that are not form-data or have no name
// are skipped too.
func decodeMultipart(body []byte, boundary string) ([]byte, error) {
	if boundary == "" {
		return nil, fmt.Errorf("decode multipart: no boundary parameter: %w", ErrMalformedBody)
	}
	var f formFields
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var value bytes.Buffer
	for n := 1; ; n++ {
		p, err := mr.NextPart()
		// Only a bare io.EOF means the closing boundary was read: the
		// reader wraps io.EOF too when the body ends before it.
		if err == io.EOF {
			break
		}
		if err != nil {
			// The reader's message may quote a header line: not repeated.
			return nil, fmt.Errorf("decode multipart: part %d: bad boundary or headers: %w", n, ErrMalformedBody)
		}
		if n > MaxFormFields {
			return nil, errTooManyFields
		}
		name, isFile := formPartName(p.Header.Get("Content-Disposition"))
		if name == "" || isFile {
			continue
		}
		value.Reset()
		if _, err := value.ReadFrom(p); err != nil {
			return nil, fmt.Errorf("decode multipart: part %d: truncated: %w", n, ErrMalformedBody)
		}
		f.add(name, value.String())
	}
	return f.appendJSON(make([]byte, 0, jsonCap(len(body)))), nil
}

// jsonCap sizes the JSON document of a form body of n bytes: about the
// body, plus quotes, separators and some escaping, so that it is
// allocated once (growing it by doubling would allocate three times).
func jsonCap(n int) int { return n + n/8 + 64 }

// formPartName returns the field name of a form-data part and whether the
// part is a file. It parses the header itself because Part.FileName cannot
// tell an absent filename from an empty one.
func formPartName(disposition string) (name string, isFile bool) {
	d, params, err := mime.ParseMediaType(disposition)
	if err != nil || d != "form-data" {
		return "", false
	}
	_, isFile = params["filename"]
	return params["name"], isFile
}
