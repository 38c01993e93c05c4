package providers

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"strings"
	"time"
)

// bodyMAC checks schemes whose header carries
// prefix + encode(HMAC(secret, raw body)) with no timestamp: Typeform, Tally
// and generic. These have no replay window; dedupe covers replays.
type bodyMAC struct {
	scheme   string
	header   string
	prefix   string
	encoding string
	newHash  func() hash.Hash
	size     int
	secrets  [][]byte
}

// newTypeform: Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, body)>.
func newTypeform(secrets [][]byte) *bodyMAC {
	return &bodyMAC{
		scheme: Typeform, header: "Typeform-Signature", prefix: "sha256=",
		encoding: encBase64, newHash: sha256.New, size: sha256.Size, secrets: secrets,
	}
}

// newTally: Tally-Signature: <base64 HMAC-SHA256(secret, body)>, no prefix.
func newTally(secrets [][]byte) *bodyMAC {
	return &bodyMAC{
		scheme: Tally, header: "Tally-Signature",
		encoding: encBase64, newHash: sha256.New, size: sha256.Size, secrets: secrets,
	}
}

// newGeneric builds the user-described scheme of provider generic.
func newGeneric(spec SignatureSpec, secrets [][]byte) (*bodyMAC, error) {
	if spec.Header == "" {
		return nil, errors.New("signature header is required with a secret")
	}
	m := &bodyMAC{scheme: Generic, header: spec.Header, prefix: spec.Prefix, secrets: secrets}
	switch strings.ToLower(spec.Algorithm) {
	case "", "sha256":
		m.newHash, m.size = sha256.New, sha256.Size
	case "sha1":
		m.newHash, m.size = sha1.New, sha1.Size
	case "sha512":
		m.newHash, m.size = sha512.New, sha512.Size
	default:
		return nil, fmt.Errorf("signature algorithm %q: want sha1, sha256 or sha512", spec.Algorithm)
	}
	switch strings.ToLower(spec.Encoding) {
	case "", encHex:
		m.encoding = encHex
	case encBase64:
		m.encoding = encBase64
	default:
		return nil, fmt.Errorf("signature encoding %q: want hex or base64", spec.Encoding)
	}
	return m, nil
}

func (m *bodyMAC) verify(r *Request, _ time.Time) error {
	value, ok := headerValue(r.Header, m.header)
	if !ok {
		return verifyErr(ErrMissingSignature, m.scheme, "header "+m.header)
	}
	if !strings.HasPrefix(value, m.prefix) {
		return verifyErr(ErrMalformedSignature, m.scheme, fmt.Sprintf("header %s: missing %s prefix", m.header, m.prefix))
	}
	got, err := decodeMAC(m.header, value[len(m.prefix):], m.encoding, m.size)
	if err != nil {
		return verifyErr(ErrMalformedSignature, m.scheme, err.Error())
	}
	if anySecretMatches(m.newHash, m.secrets, [][]byte{got}, r.Body) {
		return nil
	}
	return verifyErr(ErrSignatureMismatch, m.scheme, "header "+m.header)
}
