package providers

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"net/url"
	"strings"
	"time"
)

// HubSpot headers. http.Header canonicalises them, so the spelling of the
// v3 suffix ("-v3" in the docs, "-V3" elsewhere) does not matter.
const (
	hsSigV3     = "X-HubSpot-Signature-v3"
	hsTimestamp = "X-HubSpot-Request-Timestamp"
	hsSig       = "X-HubSpot-Signature"
	hsVersion   = "X-HubSpot-Signature-Version"
)

// hubspotMAC checks HubSpot's three signature versions with the app's
// client secret. v3 wins when its header is present (it is the only one
// with a timestamp); otherwise X-HubSpot-Signature-Version selects v1 or v2.
type hubspotMAC struct {
	secrets   [][]byte
	url       string // v2 signs the public URL verbatim
	v3url     string // v3 signs it after decodeSome
	tolerance time.Duration
}

// newHubSpot requires the public URL: v2 and v3 sign it, and subscriptions
// send v3 alongside v1, so without it most HubSpot requests would fail.
func newHubSpot(publicURL string, secrets [][]byte, tol time.Duration) (*hubspotMAC, error) {
	if publicURL == "" {
		return nil, errors.New("url is required with a secret: HubSpot v2 and v3 sign the public URL")
	}
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The URL is not quoted: its query may carry a token.
		return nil, errors.New("url must be an absolute http(s) URL")
	}
	return &hubspotMAC{secrets: secrets, url: publicURL, v3url: decodeSome(publicURL), tolerance: tol}, nil
}

func (h *hubspotMAC) verify(r *Request, now time.Time) error {
	if sig, ok := headerValue(r.Header, hsSigV3); ok {
		return h.verifyV3(r, sig, now)
	}
	sig, ok := headerValue(r.Header, hsSig)
	if !ok {
		return verifyErr(ErrMissingSignature, "hubspot", "neither header "+hsSigV3+" nor "+hsSig)
	}
	version, ok := headerValue(r.Header, hsVersion)
	if !ok {
		// HubSpot documents v1 as what X-HubSpot-Signature means when no
		// version is given (v1 predates the version header).
		version = "v1"
	}
	switch strings.ToLower(version) {
	case "v1":
		return h.verifyPlain(r, sig, "hubspot-v1", false)
	case "v2":
		return h.verifyPlain(r, sig, "hubspot-v2", true)
	}
	return verifyErr(ErrMalformedSignature, "hubspot", "header "+hsVersion+": unknown version (want v1 or v2)")
}

// verifyPlain checks v1 (hex SHA-256 of secret + body) and v2 (hex SHA-256
// of secret + method + URL + body). These are plain hashes, not HMACs:
// HubSpot's design, reproduced by its published vectors.
func (h *hubspotMAC) verifyPlain(r *Request, sigHeader, scheme string, withURL bool) error {
	got, err := decodeMAC(hsSig, sigHeader, encHex, sha256.Size)
	if err != nil {
		return verifyErr(ErrMalformedSignature, scheme, err.Error())
	}
	for _, secret := range h.secrets {
		d := sha256.New()
		d.Write(secret)
		if withURL {
			d.Write([]byte(r.Method))
			d.Write([]byte(h.url))
		}
		d.Write(r.Body)
		if hmac.Equal(d.Sum(nil), got) {
			return nil
		}
	}
	return verifyErr(ErrSignatureMismatch, scheme, "header "+hsSig)
}

// verifyV3 checks base64 HMAC-SHA256(secret, method + decodeSome(URL) +
// body + timestamp header), then the timestamp window. The MAC is checked
// first so that ErrTimestampOutside means "authentic but stale or early",
// which tells an operator to look at clocks or replays, not at secrets.
func (h *hubspotMAC) verifyV3(r *Request, sigHeader string, now time.Time) error {
	const scheme = "hubspot-v3"
	tsHeader, ok := headerValue(r.Header, hsTimestamp)
	if !ok {
		return verifyErr(ErrMissingSignature, scheme, "header "+hsTimestamp)
	}
	ms, ok := parseDigits(tsHeader)
	if !ok {
		return verifyErr(ErrMalformedSignature, scheme, "header "+hsTimestamp+": not a millisecond timestamp")
	}
	got, err := decodeMAC(hsSigV3, sigHeader, encBase64, sha256.Size)
	if err != nil {
		return verifyErr(ErrMalformedSignature, scheme, err.Error())
	}
	// The timestamp is signed verbatim, as received.
	if !anySecretMatches(sha256.New, h.secrets, [][]byte{got}, []byte(r.Method), []byte(h.v3url), r.Body, []byte(tsHeader)) {
		return verifyErr(ErrSignatureMismatch, scheme, "header "+hsSigV3)
	}
	return checkWindow(scheme, hsTimestamp, time.UnixMilli(ms), now, h.tolerance)
}

// decodeSome decodes only the percent-escapes HubSpot lists for v3
// (%3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B, hex in either case) and
// leaves every other escape (%20, %26, %3D, %25...) as it is. A single
// left-to-right pass, so "%253A" stays "%253A": nothing is decoded twice.
// That the unlisted escapes stay encoded is inferred (providers.md §2).
func decodeSome(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if c, ok := hubspotUnescape(s[i+1], s[i+2]); ok {
				b.WriteByte(c)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// hubspotUnescape maps the two hex digits after '%' to the character when
// it is one HubSpot decodes.
func hubspotUnescape(hi, lo byte) (byte, bool) {
	lo = upperHex(lo)
	switch hi {
	case '2':
		switch lo {
		case '1':
			return '!', true
		case '4':
			return '$', true
		case '7':
			return '\'', true
		case '8':
			return '(', true
		case '9':
			return ')', true
		case 'A':
			return '*', true
		case 'C':
			return ',', true
		case 'F':
			return '/', true
		}
	case '3':
		switch lo {
		case 'A':
			return ':', true
		case 'B':
			return ';', true
		case 'F':
			return '?', true
		}
	case '4':
		if lo == '0' {
			return '@', true
		}
	}
	return 0, false
}

func upperHex(c byte) byte {
	if c >= 'a' && c <= 'f' {
		return c - ('a' - 'A')
	}
	return c
}
