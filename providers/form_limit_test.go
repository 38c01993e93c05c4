package providers

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// manyFields builds a urlencoded and a multipart body of n one-letter fields.
func manyFields(n int) (form []byte, mp []byte, mpType string) {
	var sb strings.Builder
	var mb bytes.Buffer
	w := multipart.NewWriter(&mb)
	for i := range n {
		fmt.Fprintf(&sb, "f%d=v&", i)
		_ = w.WriteField(fmt.Sprintf("f%d", i), "v")
	}
	_ = w.Close()
	return []byte(sb.String()), mb.Bytes(), w.FormDataContentType()
}

// TestFormFieldBound: a form of MaxFormFields fields decodes; one more is
// a 400, not a decode that costs tens of times the body.
func TestFormFieldBound(t *testing.T) {
	form, mp, mpType := manyFields(MaxFormFields)
	_, err := Decode("generic", "application/x-www-form-urlencoded", form)
	require.NoError(t, err)
	_, err = Decode("generic", mpType, mp)
	require.NoError(t, err)

	form, mp, mpType = manyFields(MaxFormFields + 1)
	_, err = Decode("generic", "application/x-www-form-urlencoded", form)
	require.ErrorIs(t, err, ErrMalformedBody)
	require.ErrorContains(t, err, "more than 1000 fields")
	_, err = Decode("jotform", mpType, mp)
	require.ErrorIs(t, err, ErrMalformedBody)
}

// BenchmarkDecodeLargeForm measures what a 1 MB form body costs to decode
// (B/op is the number that matters: a small multiple of the body).
//
//	go test ./providers -run '^$' -bench DecodeLargeForm -benchmem
func BenchmarkDecodeLargeForm(b *testing.B) {
	// The largest fields a bounded form can have: 1 MB over 1,000 fields.
	value := strings.Repeat("x", 1<<20/MaxFormFields-12)
	var sb strings.Builder
	var mb bytes.Buffer
	w := multipart.NewWriter(&mb)
	for i := range MaxFormFields {
		fmt.Fprintf(&sb, "f%d=%s&", i, value)
		_ = w.WriteField(fmt.Sprintf("f%d", i), value)
	}
	_ = w.Close()
	form := []byte(sb.String())
	for _, tc := range []struct {
		name, ctype string
		body        []byte
	}{
		{"urlencoded", "application/x-www-form-urlencoded", form},
		{"multipart", w.FormDataContentType(), mb.Bytes()},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode("jotform", tc.ctype, tc.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
