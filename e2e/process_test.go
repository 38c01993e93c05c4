package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// token authenticates the test source (provider generic, token).
const token = "e2e-token"

// mappingsYAML is a generic source with a token and dedupe by id: every
// webhook with a new id is a new lead.
const mappingsYAML = `sources:
  load:
    provider: generic
    token: ` + token + `
    dedupe: id
    lead:
      name: name
      email: email
      partner:
        key: ref
  batch:
    provider: generic
    token: ` + token + `
    each: items
    dedupe: id
    lead:
      name: name
      email: email
      partner:
        key: ref
`

// writeMappings writes the test mapping file into dir.
func writeMappings(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "mappings.yaml")
	if err := os.WriteFile(p, []byte(mappingsYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// freeAddr finds a free loopback port by listening on :0 and closing it
// (serve does not accept port 0: it needs to know its addresses).
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// serverSpec is how to run one `leadbridge serve`.
type serverSpec struct {
	bin      string
	db       string
	mappings string
	env      []string // added to a copy of the environment without LEADBRIDGE_* and PARTNERO_*
	args     []string // extra flags
	logPath  string   // the child's stderr (JSON logs) goes here
}

// server is a running child process.
type server struct {
	t         testing.TB
	cmd       *exec.Cmd
	addr      string
	adminAddr string
	logPath   string
	exited    chan struct{}
	waitErr   error
}

// start runs serve on fresh free ports and waits until /healthz answers.
func start(t testing.TB, spec serverSpec) *server {
	t.Helper()
	s := &server{t: t, addr: freeAddr(t), adminAddr: freeAddr(t), logPath: spec.logPath, exited: make(chan struct{})}
	args := append([]string{"serve", "--db", spec.db, "--mappings", spec.mappings, "--addr", s.addr, "--admin-addr", s.adminAddr}, spec.args...)
	s.cmd = exec.Command(spec.bin, args...)
	s.cmd.Env = childEnv(spec.env)
	logf, err := os.OpenFile(spec.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		t.Fatal(err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("server log (%s), last lines:\n%s", spec.logPath, tail(spec.logPath, 30))
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-s.exited:
			t.Fatalf("leadbridge serve exited at start: %v\n%s", s.waitErr, tail(spec.logPath, 30))
		default:
		}
		resp, err := http.Get("http://" + s.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("leadbridge serve did not answer /healthz within 20s\n%s", tail(spec.logPath, 30))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatalf("SIGKILL: %v", err)
	}
	<-s.exited
}

// stop sends SIGTERM and returns the exit code (-1 when killed after 30s).
func (s *server) stop() int {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return -1
	}
	var ee *exec.ExitError
	if errors.As(s.waitErr, &ee) {
		return ee.ExitCode()
	}
	if s.waitErr != nil {
		s.t.Fatalf("wait: %v", s.waitErr)
	}
	return 0
}

// hookURL is the public URL of the test source.
func (s *server) hookURL() string { return "http://" + s.addr + "/hooks/load" }

// childEnv is the test's environment without leadbridge's and Partnero's
// variables (a developer's PARTNERO_API_KEY must not leak into a test),
// plus extra.
func childEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "LEADBRIDGE_") || strings.HasPrefix(kv, "PARTNERO_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
