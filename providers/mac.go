package providers

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
)

// Encodings of a MAC in a header.
const (
	encHex    = "hex"
	encBase64 = "base64"
)

// decodeMAC decodes a received MAC so that it is compared as bytes: hex is
// thereby case-insensitive. Base64 is decoded strictly: only the canonical
// encoding (standard alphabet, padded, unused bits zero, no line breaks) is
// accepted, so that one MAC has exactly one accepted spelling, as every
// provider sends it. The returned detail never quotes the value, which is
// attacker-controlled and possibly a valid signature for another request.
func decodeMAC(header, value, encoding string, size int) ([]byte, error) {
	var (
		b   []byte
		err error
	)
	switch encoding {
	case encHex:
		b, err = hex.DecodeString(value)
	case encBase64:
		b, err = decodeBase64Canonical(value)
	default:
		return nil, fmt.Errorf("header %s: unknown encoding %q", header, encoding)
	}
	if err != nil {
		return nil, fmt.Errorf("header %s: not valid %s", header, encoding)
	}
	// A length check catches the wrong encoding: 64 hex characters are also
	// valid base64, but decode to 48 bytes instead of 32.
	if len(b) != size {
		return nil, fmt.Errorf("header %s: %s decodes to %d bytes, want %d", header, encoding, len(b), size)
	}
	return b, nil
}

// anySecretMatches reports whether HMAC(secret, parts...) equals one of the
// received MACs for any configured secret (rotation). Each comparison is
// constant-time, and every received MAC is compared without an early exit,
// so timing does not reveal which one matched.
func anySecretMatches(newHash func() hash.Hash, secrets, received [][]byte, parts ...[]byte) bool {
	for _, secret := range secrets {
		mac := hmac.New(newHash, secret)
		for _, p := range parts {
			mac.Write(p)
		}
		sum := mac.Sum(nil)
		matched := false
		for _, got := range received {
			if hmac.Equal(sum, got) {
				matched = true
			}
		}
		if matched {
			return true
		}
	}
	return false
}

// decodeBase64Canonical decodes standard padded base64 and rejects every
// other spelling of the same bytes. Strict mode rejects non-zero unused
// bits in the last character; it still skips CR and LF, so the length
// check rejects those (the canonical encoding of n bytes has exactly
// EncodedLen(n) characters).
func decodeBase64Canonical(s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, err
	}
	if len(s) != base64.StdEncoding.EncodedLen(len(b)) {
		return nil, errors.New("base64 with line breaks")
	}
	return b, nil
}
