package bridge

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// slowBody delivers its content in two parts with a pause between, so a
// request is still in flight when the server is told to stop.
type slowBody struct {
	parts []string
	pause time.Duration
	sent  chan struct{}
}

func (s *slowBody) Read(p []byte) (int, error) {
	if len(s.parts) == 0 {
		return 0, io.EOF
	}
	if len(s.parts) == 1 {
		close(s.sent)
		time.Sleep(s.pause)
	}
	n := copy(p, s.parts[0])
	s.parts = s.parts[1:]
	return n, nil
}

// TestGracefulShutdown stops the server (as SIGTERM does) while a webhook
// is half-sent: the server stops accepting, answers that request (stored,
// 202), and Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	b := setup(t)
	pub, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	adm, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.srv.Serve(ctx, pub, adm) }()
	base := "http://" + pub.Addr().String()
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + adm.Addr().String() + "/readyz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	}, 5*time.Second, 20*time.Millisecond)

	body := `{"id":"inflight","name":"A","email":"a@x.io","ref":"r"}`
	sb := &slowBody{parts: []string{body[:10], body[10:]}, pause: 500 * time.Millisecond, sent: make(chan struct{})}
	req, err := http.NewRequest(http.MethodPost, base+"/hooks/form", sb)
	require.NoError(t, err)
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Leadbridge-Token", "form-token")
	type result struct {
		code int
		body string
		err  error
	}
	resc := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			resc <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		resc <- result{code: resp.StatusCode, body: string(b)}
	}()
	<-sb.sent
	time.Sleep(150 * time.Millisecond) // the server has the headers and the first part
	cancel()                           // SIGTERM
	res := <-resc
	require.NoError(t, res.err)
	require.Equal(t, 202, res.code, res.body)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the stop")
	}
	// Not accepting any more.
	_, err = http.Post(base+"/hooks/form", "application/json", strings.NewReader(`{}`))
	require.Error(t, err)
	require.Contains(t, b.logs.String(), "shutting down")
	require.Contains(t, res.body, `"status":"accepted"`)
}

// TestPortInUse fails at start, not later.
func TestPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	b := setup(t, withConfig(func(c *Config) { c.Addr = l.Addr().String() }))
	err = b.srv.Run(context.Background())
	require.ErrorContains(t, err, "listen "+l.Addr().String())
}
