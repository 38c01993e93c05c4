package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/leadbridge/leadbridge/bridge"
	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/providers"
)

const sendUsage = "send --source NAME [--url URL] [--content-type TYPE] [--addr ADDR] [--mappings PATH] PAYLOAD|-"

// maxAnswer bounds the answer body send prints: leadbridge's are small.
const maxAnswer = 64 << 10

// runSend signs a payload (or adds the token) exactly as the source's
// provider would and POSTs it: a webhook test without the provider, or
// without openssl.
func runSend(ctx context.Context, args []string, o IO) int {
	fs := newFlagSet("send", sendUsage, o)
	var source, target, addr, contentType, timeout string
	fs.stringVar(&source, "source", "", "", "the source to sign for (its name under sources:)")
	fs.stringVar(&target, "url", "", "", "where to POST (default: the local server's --addr, /hooks/NAME)")
	fs.stringVar(&addr, "addr", "LEADBRIDGE_ADDR", ":8080", "the local server's public listener, for the default URL")
	fs.stringVar(&contentType, "content-type", "", "", "the payload's Content-Type (default: JSON, form-urlencoded or multipart, detected as try does)")
	fs.stringVar(&timeout, "timeout", "", "30s", "how long to wait for the answer")
	pos, code, ok := fs.parseArgs(args)
	if !ok {
		return code
	}
	if source == "" {
		return usageError(fs, "--source is required")
	}
	if len(pos) != 1 {
		return usageError(fs, "give exactly one payload file, or - for stdin")
	}
	d, err := time.ParseDuration(timeout)
	if err != nil || d <= 0 {
		return usageError(fs, "--timeout: expected a positive Go duration such as 30s, got %q", timeout)
	}
	if target == "" {
		if target, err = hookURL(addr, source); err != nil {
			return usageError(fs, "--addr: %v", err)
		}
	} else if u, err := url.Parse(target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError(fs, "--url: expected an absolute http(s) URL")
	}
	raw, err := readPayload(pos[0], o.In)
	if err != nil {
		fmt.Fprintf(o.Err, "leadbridge send: %v\n", err)
		return exitUsage
	}
	// The other sources' secrets need not be set: only this one's signs.
	src, code := unverifiedSource(fs, source)
	if src == nil {
		return code
	}
	if unset := unsetRefs(src); len(unset) > 0 {
		fmt.Fprintf(o.Err, "leadbridge send: source %q: %s not set: send signs with the source's own secret or token\n", source, strings.Join(unset, ", "))
		return exitFailed
	}
	hdr, err := providers.Sign(bridge.ProviderConfig(src), raw, time.Now())
	if err != nil {
		fmt.Fprintf(o.Err, "leadbridge send: source %q: %v\n", source, err)
		return exitFailed
	}
	if contentType == "" {
		contentType = detectContentType(raw)
	}
	hdr.Set("Content-Type", contentType)
	hdr.Set("User-Agent", "leadbridge-send/"+version)
	return post(ctx, o, target, hdr, raw, d)
}

// unsetRefs names the variables of the source's secrets and tokens that
// were unset at load.
func unsetRefs(src *mappings.Source) []string {
	var out []string
	for _, s := range append(append([]mappings.Secret{}, src.Secrets...), src.Tokens...) {
		if s.Unset() {
			out = append(out, s.Ref())
		}
	}
	return out
}

// hookURL is /hooks/NAME on the local server: a wildcard host is asked on
// the loopback, as healthcheck does.
func hookURL(listen, source string) (string, error) {
	u, err := healthzURL(listen)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(u, "/healthz") + "/hooks/" + url.PathEscape(source), nil
}

// detectContentType names the payload's type as the server would detect
// it: a saved multipart body by its boundary line, JSON by its first byte,
// form-urlencoded otherwise.
func detectContentType(raw []byte) string {
	if ct := detectMultipart(raw); ct != "" {
		return ct
	}
	if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return "application/json"
	}
	return "application/x-www-form-urlencoded"
}

// post sends the request and prints the answer: the status line and body
// on stdout. Exit 0 on 2xx, 1 otherwise.
func post(ctx context.Context, o IO, target string, hdr http.Header, body []byte, d time.Duration) int {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		fmt.Fprintf(o.Err, "leadbridge send: %v\n", err)
		return exitFailed
	}
	req.Header = hdr
	shown := *req.URL
	shown.RawQuery = "" // tokens travel there
	fmt.Fprintf(o.Err, "POST %s (%d bytes, %s)\n", shown.String(), len(body), hdr.Get("Content-Type"))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(o.Err, "leadbridge send: no answer within %s\n", d)
		} else {
			fmt.Fprintf(o.Err, "leadbridge send: %v\n", describeNetErr(unwrapURLError(err)))
		}
		return exitFailed
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		fmt.Fprintf(o.Err, "leadbridge send: reading the answer: %v\n", err)
	}
	fmt.Fprintln(o.Out, resp.Status)
	if len(answer) > 0 {
		fmt.Fprintln(o.Out, strings.TrimRight(string(answer), "\n"))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return exitFailed
	}
	return exitOK
}

// describeNetErr adds the likely cause to a refused connection.
func describeNetErr(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return fmt.Errorf("%w (is leadbridge serve running there? --url sends elsewhere)", err)
	}
	return err
}
