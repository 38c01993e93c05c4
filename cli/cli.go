// Package cli implements leadbridge's subcommands: flag and environment
// parsing, and the glue between the packages. main only calls Run.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
)

// IO is the process's environment, injected so that commands are testable.
type IO struct {
	In        io.Reader
	Out, Err  io.Writer
	Getenv    func(string) string
	LookupEnv func(string) (string, bool)
}

func (o IO) getenv(k string) string {
	if o.Getenv != nil {
		return o.Getenv(k)
	}
	if o.LookupEnv != nil {
		v, _ := o.LookupEnv(k)
		return v
	}
	return os.Getenv(k)
}

// lookup reads an environment variable, telling unset from empty.
func (o IO) lookup(k string) (string, bool) {
	if o.LookupEnv != nil {
		return o.LookupEnv(k)
	}
	if o.Getenv != nil {
		v := o.Getenv(k)
		return v, v != ""
	}
	return os.LookupEnv(k)
}

func (o IO) lookupEnv() func(string) (string, bool) {
	if o.LookupEnv != nil {
		return o.LookupEnv
	}
	return os.LookupEnv
}

// Exit codes shared by the subcommands (product.md §2).
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	usageHeader = `leadbridge: webhook bridge from form and CRM tools to Partnero leads

Usage: leadbridge <command> [flags]

Commands:
  serve        run the HTTP server and the delivery workers (default)
  check        validate the mapping file(s)
  try          run one payload through a source's mapping; sends nothing
  events       list stored events, or show one (events ID)
  replay       re-map stored events with the current mappings and queue them again
  prune        delete old delivered and ignored events now
  backup       write a consistent copy of the SQLite store
  init         draft a mapping source from a stored (e.g. captured) event
  send         sign a payload as the source's provider would and POST it
  fields       list the Partnero lead form's custom fields, with a cfields block
  healthcheck  exit 0 when the local server answers /healthz
  notify test  send a sample notification to every --notify-url and print each answer
  version      print version, commit and Go version

Every command accepts --mappings PATH and --db DB (or LEADBRIDGE_MAPPINGS and
LEADBRIDGE_DB). Run "leadbridge <command> -h" for a command's flags and
environment.
`
)

type command func(ctx context.Context, args []string, o IO) int

func commands() map[string]command {
	return map[string]command{
		"serve":   runServe,
		"check":   runCheck,
		"try":     runTry,
		"events":  runEvents,
		"replay":  runReplay,
		"prune":   runPrune,
		"backup":  runBackup,
		"version": runVersion,
		"init":    runInit,
		"send":    runSend,

		// ship: fields and healthcheck
		"fields":      runFields,
		"healthcheck": runHealthcheck,

		// notify: notifications
		"notify": runNotify,
	}
}

// Run dispatches args (without the program name) and returns the exit code.
func Run(ctx context.Context, args []string, o IO) int {
	if len(args) > 0 {
		switch args[0] {
		case "help", "-h", "--help", "-help":
			fmt.Fprint(o.Out, usageHeader)
			return exitOK
		}
	}
	name := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	cmd, ok := commands()[name]
	if !ok {
		fmt.Fprintf(o.Err, "leadbridge: unknown command %q\n\n%s", name, usageHeader)
		return exitUsage
	}
	return cmd(ctx, args, o)
}
