// Command leadbridge receives form and CRM webhooks, verifies them, maps them
// to Partnero leads with YAML/gjson mappings and delivers them reliably.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/leadbridge/leadbridge/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv, LookupEnv: os.LookupEnv})
	stop()
	os.Exit(code)
}
