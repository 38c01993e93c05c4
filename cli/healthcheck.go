package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

const healthcheckUsage = "healthcheck [--addr ADDR] [--admin-addr ADDR] [--timeout D]"

type healthcheckFlags struct{ addr, adminAddr, timeout string }

// newHealthcheckFlags defines --addr and --admin-addr with the same names,
// variables and defaults as serveFlags.register (a test keeps them in
// step), and --timeout.
func newHealthcheckFlags(o IO) (*flagSet, *healthcheckFlags) {
	fs := newFlagSet("healthcheck", healthcheckUsage, o)
	f := &healthcheckFlags{}
	fs.stringVar(&f.addr, "addr", "LEADBRIDGE_ADDR", ":8080", "public listener of the server to check")
	fs.stringVarEmptyOK(&f.adminAddr, "admin-addr", "LEADBRIDGE_ADMIN_ADDR", "127.0.0.1:9090", "admin listener of the server to check (asked when set); empty = ask the public one")
	fs.stringVar(&f.timeout, "timeout", "", "3s", "how long to wait for the answer")
	return fs, f
}

// runHealthcheck asks the local server's /healthz, for container health
// checks (the image has no curl). It reads the same --addr / --admin-addr
// flags and environment as serve and prefers the admin listener, which a
// deployment keeps private, when it is on.
func runHealthcheck(ctx context.Context, args []string, o IO) int {
	fs, f := newHealthcheckFlags(o)
	pos, code, ok := fs.parseArgs(args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected argument %q", pos[0])
	}
	d, err := time.ParseDuration(f.timeout)
	if err != nil || d <= 0 {
		return usageError(fs, "--timeout: expected a positive Go duration such as 3s, got %q", f.timeout)
	}
	listen, which, flagName := f.adminAddr, "admin", "admin-addr"
	if listen == "" {
		listen, which, flagName = f.addr, "public", "addr"
	}
	target, err := healthzURL(listen)
	if err != nil {
		return usageError(fs, "--%s: %v", flagName, err)
	}
	if err := probe(ctx, target, d); err != nil {
		fmt.Fprintf(o.Err, "unhealthy: %s listener %s: %v\n", which, target, err)
		return exitFailed
	}
	fmt.Fprintf(o.Out, "ok: %s\n", target)
	return exitOK
}

// healthzURL turns a listen address into the URL to ask: a wildcard host
// (":8080", "0.0.0.0:8080", "[::]:8080") is asked on the loopback.
func healthzURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("expected host:port or :port, got %q", listen)
	}
	if port == "" || port == "0" {
		return "", fmt.Errorf("no fixed port in %q", listen)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(host, port), Path: "/healthz"}
	return u.String(), nil
}

// probe GETs target and wants a 200 within d. No proxy: the server is local,
// and an HTTP_PROXY in a container's environment must not catch the probe.
func probe(ctx context.Context, target string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "leadbridge-healthcheck/"+version)
	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("no answer within %s", d)
		}
		return unwrapURLError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("answered %s", resp.Status)
	}
	return nil
}

// unwrapURLError drops net/http's `Get "http://...":` prefix, which the
// message already names.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
