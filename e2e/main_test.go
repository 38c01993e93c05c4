package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// binDir holds the leadbridge binary built once for all tests of the run.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "leadbridge-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
	buildOut  []byte
)

// binary builds the leadbridge binary from the module root (once per test
// run) and returns its path. It skips the test under -short and when no Go
// toolchain is on PATH.
func binary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: builds and runs the binary; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to build leadbridge")
	}
	buildOnce.Do(func() {
		buildPath = filepath.Join(binDir, "leadbridge")
		cmd := exec.Command(goTool, "build", "-o", buildPath, ".")
		cmd.Dir = ".." // the module root: tests run in the package directory
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, buildOut)
	}
	return buildPath
}
