// Package e2e holds end-to-end tests that build the real leadbridge binary,
// run `leadbridge serve` as a child process and check what a user relies on
// from the outside: that every webhook answered 202 survives a SIGKILL
// (product.md §5) and that every such lead reaches Partnero after a restart.
// The tests take tens of seconds and are skipped with -short:
//
//	go test ./e2e -run Crash -v -count=1
//
// BenchmarkDrain measures delivery from a stored backlog (not run by
// go test ./...):
//
//	go test ./e2e -run '^$' -bench Drain -benchtime 1x -count 3
package e2e
