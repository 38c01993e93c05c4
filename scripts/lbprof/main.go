// Command lbprof is leadbridge with net/http/pprof on a side listener, to
// profile `serve` under load without adding a profiling endpoint to the
// product. It takes leadbridge's arguments and environment; LBPROF_ADDR
// (default 127.0.0.1:6060) is where /debug/pprof/ listens:
//
//	go build -o /tmp/lbprof ./scripts/lbprof
//	/tmp/lbprof serve --db /tmp/p.db --mappings m.yaml &
//	curl -o cpu.pprof 'http://127.0.0.1:6060/debug/pprof/profile?seconds=8'  # while wrk runs
//	go tool pprof -top -nodecount 40 /tmp/lbprof cpu.pprof
package main

import (
	"context"
	"log"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"os"
	"os/signal"
	"syscall"

	"github.com/leadbridge/leadbridge/cli"
)

func main() {
	addr := os.Getenv("LBPROF_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6060"
	}
	go func() { log.Println("lbprof:", http.ListenAndServe(addr, nil)) }()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv, LookupEnv: os.LookupEnv})
	stop()
	os.Exit(code)
}
