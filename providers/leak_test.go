package providers

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"hash"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func newHash(alg string) func() hash.Hash {
	switch alg {
	case "sha1":
		return sha1.New
	case "sha512":
		return sha512.New
	}
	return sha256.New
}

func rawMAC(alg, secret string, parts ...[]byte) []byte {
	m := hmac.New(newHash(alg), []byte(secret))
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

func hexMAC(alg, secret string, body []byte) string {
	return hex.EncodeToString(rawMAC(alg, secret, body))
}

func b64MAC(alg, secret string, body []byte) string {
	return base64.StdEncoding.EncodeToString(rawMAC(alg, secret, body))
}

func upper(s string) string { return strings.ToUpper(s) }

// TestErrorsDoNotLeak drives every scheme into every failure and checks
// that no error text (nor its %+v / %#v form, nor the verifier's own
// printing) contains the secret, the expected signature in any encoding
// the scheme could use, or the wrong token that was presented. The package
// does no logging, so error text is the only channel to check.
func TestErrorsDoNotLeak(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-leak-canary"
	const badToken = "presented-wrong-token-canary"
	body := []byte(`{"email":"alice@example.com"}`)
	ms := []byte(tsMillis)

	// Expected MACs for this body and secret, per scheme.
	typeformMAC := rawMAC("sha256", secret, body)
	webflowMAC := rawMAC("sha256", secret, ms, []byte(":"), body)
	calendlyMAC := rawMAC("sha256", secret, []byte(tsSeconds), []byte("."), body)
	hsV3 := rawMAC("sha256", secret, []byte("POST"), []byte(hubspotURL), body, ms)
	hsV1 := sha256.Sum256(append([]byte(secret), body...))
	hsV2 := sha256.Sum256([]byte(secret + "POST" + hubspotURL + string(body)))
	expected := [][]byte{typeformMAC, webflowMAC, calendlyMAC, hsV3, hsV1[:], hsV2[:]}

	forbidden := []string{secret, badToken}
	for _, m := range expected {
		forbidden = append(forbidden, hex.EncodeToString(m), strings.ToUpper(hex.EncodeToString(m)),
			base64.StdEncoding.EncodeToString(m), base64.RawStdEncoding.EncodeToString(m))
	}

	wrong := strings.Repeat("0", 64)
	wrongB64 := base64.StdEncoding.EncodeToString(make([]byte, 32))
	cases := []struct {
		cfg    Config
		header []string
		now    time.Time
	}{
		{Config{Provider: Typeform, Secrets: []string{secret}}, []string{"Typeform-Signature", "sha256=" + wrongB64}, instant},
		{Config{Provider: Typeform, Secrets: []string{secret}}, []string{"Typeform-Signature", "garbage"}, instant},
		{Config{Provider: Typeform, Secrets: []string{secret}}, nil, instant},
		{Config{Provider: Tally, Secrets: []string{secret}}, []string{"Tally-Signature", wrongB64}, instant},
		{Config{Provider: Webflow, Secrets: []string{secret}}, []string{"x-webflow-timestamp", tsMillis, "x-webflow-signature", wrong}, instant},
		// Authentic but stale: the MAC matched, the error must still not show it.
		{Config{Provider: Webflow, Secrets: []string{secret}}, []string{"x-webflow-timestamp", tsMillis, "x-webflow-signature", hex.EncodeToString(webflowMAC)}, instant.Add(time.Hour)},
		{Config{Provider: Calendly, Secrets: []string{secret}}, []string{"Calendly-Webhook-Signature", "t=" + tsSeconds + ",v1=" + wrong}, instant},
		{Config{Provider: Calendly, Secrets: []string{secret}}, []string{"Calendly-Webhook-Signature", "t=" + tsSeconds + ",v1=" + hex.EncodeToString(calendlyMAC)}, instant.Add(-time.Hour)},
		{Config{Provider: HubSpot, Secrets: []string{secret}, URL: hubspotURL}, []string{"X-HubSpot-Request-Timestamp", tsMillis, "X-HubSpot-Signature-v3", wrongB64}, instant},
		{Config{Provider: HubSpot, Secrets: []string{secret}, URL: hubspotURL}, []string{"X-HubSpot-Signature", wrong}, instant},
		{Config{Provider: HubSpot, Secrets: []string{secret}, URL: hubspotURL}, []string{"X-HubSpot-Signature-Version", "v2", "X-HubSpot-Signature", wrong}, instant},
		{Config{Provider: Generic, Secrets: []string{secret}, Signature: SignatureSpec{Header: "X-Sig"}}, []string{"X-Sig", wrong}, instant},
		{Config{Provider: Jotform, Tokens: []string{"right-token"}}, []string{"X-Leadbridge-Token", badToken}, instant},
		{Config{Provider: Tally, Secrets: []string{secret}, Tokens: []string{"right-token"}}, []string{"X-Leadbridge-Token", badToken, "Tally-Signature", base64.StdEncoding.EncodeToString(typeformMAC)}, instant},
	}
	for i, c := range cases {
		v := mustVerifier(t, c.cfg)
		err := v.Verify(&Request{Method: "POST", Header: hdr(c.header...), Body: body}, c.now)
		require.Error(t, err, "case %d", i)
		texts := []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%v %+v %#v", v, v, v)}
		for _, text := range texts {
			for _, f := range forbidden {
				require.NotContains(t, text, f, "case %d (%s) leaks", i, c.cfg.Provider)
			}
		}
	}
}

// TestNoLogging backs the claim that error values are the only channel
// through which this package reports anything: no logger, no printing.
func TestNoLogging(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			path := strings.Trim(imp.Path.Value, `"`)
			require.NotContains(t, []string{"log", "log/slog", "os"}, path, "%s imports %s", name, path)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if id, ok := n.X.(*ast.Ident); ok && id.Name == "fmt" &&
					(strings.HasPrefix(n.Sel.Name, "Print") || strings.HasPrefix(n.Sel.Name, "Fprint")) {
					t.Errorf("%s: fmt.%s at %s", name, n.Sel.Name, fset.Position(n.Pos()))
				}
			case *ast.Ident:
				if n.Name == "println" || n.Name == "print" {
					t.Errorf("%s: %s at %s", name, n.Name, fset.Position(n.Pos()))
				}
			}
			return true
		})
	}
}
