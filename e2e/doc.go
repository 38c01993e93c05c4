// Package e2e holds end-to-end tests that build the real leadbridge binary,
// run `leadbridge serve` as a child process and check what a user relies on
// from the outside: that every webhook answered 202 survives a SIGKILL
// (product.md §5), that every such lead reaches Partnero after a restart
// with duplicates only for the deliveries in flight, that a full disk
// loses and re-sends nothing (TestDiskFull, on a small tmpfs where the
// machine allows mounting one), and that two instances on one PostgreSQL
// database deliver each lead once. This is where real time belongs; the
// tests take tens of seconds and are skipped with -short:
//
//	go test ./e2e -run 'Crash|DiskFull' -v -count=1
//
// BenchmarkDrain measures delivery from a stored backlog (not run by
// go test ./...):
//
//	go test ./e2e -run '^$' -bench Drain -benchtime 1x -count 3 -timeout 60m
package e2e
