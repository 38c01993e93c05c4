package providers

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"
)

// nonCanonical returns sig with its last base64 character replaced by one
// that differs only in the unused padding bits: a lenient decoder reads
// the same digest from both, a strict one rejects the variant.
func nonCanonical(t *testing.T, sig string) string {
	t.Helper()
	i := len(sig) - 1
	for sig[i] == '=' {
		i--
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	idx := -1
	for j := 0; j < len(alphabet); j++ {
		if alphabet[j] == sig[i] {
			idx = j
		}
	}
	require.GreaterOrEqual(t, idx, 0, "not a base64 character")
	out := sig[:i] + string(alphabet[idx^1]) + sig[i+1:]
	// The premise: a lenient decoder cannot tell the two apart.
	a, err := base64.StdEncoding.DecodeString(sig)
	require.NoError(t, err)
	b, err := base64.StdEncoding.DecodeString(out)
	require.NoError(t, err, "the variant must still be lenient-valid base64")
	require.Equal(t, a, b, "the variant must decode to the same bytes")
	return out
}

// TestBase64SignaturesAreCanonical: every base64 scheme accepts only the
// canonical encoding of a MAC. A variant whose last character differs in
// the unused padding bits decodes to the same digest with a lenient
// decoder; it is not what the provider sent, so it is malformed.
func TestBase64SignaturesAreCanonical(t *testing.T) {
	t.Parallel()
	typeform := sample(t, "typeform.json")
	tally := sample(t, "tally.json")
	formspree := sample(t, "formspree.json")
	hubspotSub := sample(t, "hubspot-subscription.json")
	const (
		tfGood = "fNrpy7U3TorHOy9UX6r7VJufqGdsSZGDf9WSiHEHHhA="
		taGood = "R5KuGtMRLLQ7g/H5hih3cP0jnoePLKecSCehDAoi1DA="
		hsGood = "dgLGNUvtkjnQHC0BRKvk3tjOCqTqRgUbjCJ5awRSzAI="
	)
	sha512 := b64MAC("sha512", testSecret, formspree)
	genericCfg := Config{Provider: Generic, Secrets: []string{testSecret},
		Signature: SignatureSpec{Header: "X-Sig", Algorithm: "sha512", Encoding: "base64"}}
	hsCfg := Config{Provider: HubSpot, Secrets: []string{testSecret}, URL: hubspotURL}
	v3 := func(sig string) []string {
		return []string{"X-HubSpot-Request-Timestamp", tsMillis, "X-HubSpot-Signature-v3", sig}
	}
	runVectors(t, []vector{
		{name: "typeform canonical", cfg: Config{Provider: Typeform, Secrets: []string{testSecret}},
			header: []string{"Typeform-Signature", "sha256=" + tfGood}, body: typeform},
		{name: "typeform padding bits set", cfg: Config{Provider: Typeform, Secrets: []string{testSecret}},
			header: []string{"Typeform-Signature", "sha256=" + nonCanonical(t, tfGood)}, body: typeform, want: ErrMalformedSignature},
		{name: "typeform without padding", cfg: Config{Provider: Typeform, Secrets: []string{testSecret}},
			header: []string{"Typeform-Signature", "sha256=" + tfGood[:len(tfGood)-1]}, body: typeform, want: ErrMalformedSignature},
		{name: "typeform with a line break inside", cfg: Config{Provider: Typeform, Secrets: []string{testSecret}},
			header: []string{"Typeform-Signature", "sha256=" + tfGood[:20] + "\n" + tfGood[20:]}, body: typeform, want: ErrMalformedSignature},
		{name: "tally canonical", cfg: Config{Provider: Tally, Secrets: []string{testSecret}},
			header: []string{"Tally-Signature", taGood}, body: tally},
		{name: "tally padding bits set", cfg: Config{Provider: Tally, Secrets: []string{testSecret}},
			header: []string{"Tally-Signature", nonCanonical(t, taGood)}, body: tally, want: ErrMalformedSignature},
		{name: "tally URL-safe alphabet", cfg: Config{Provider: Tally, Secrets: []string{testSecret}},
			header: []string{"Tally-Signature", "R5KuGtMRLLQ7g_H5hih3cP0jnoePLKecSCehDAoi1DA="}, body: tally, want: ErrMalformedSignature},
		{name: "hubspot v3 canonical", cfg: hsCfg, header: v3(hsGood), body: hubspotSub},
		{name: "hubspot v3 padding bits set", cfg: hsCfg, header: v3(nonCanonical(t, hsGood)), body: hubspotSub, want: ErrMalformedSignature},
		{name: "generic sha512 canonical", cfg: genericCfg, header: []string{"X-Sig", sha512}, body: formspree},
		{name: "generic sha512 padding bits set", cfg: genericCfg, header: []string{"X-Sig", nonCanonical(t, sha512)}, body: formspree, want: ErrMalformedSignature},
	})
}
