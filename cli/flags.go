package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// flagSet wraps flag.FlagSet: every flag may take its default from an
// environment variable (how Docker and systemd users configure it), and
// flags may come before or after positional arguments. Every command
// accepts the common flags --mappings and --db (product.md §2), so that
// one alias or env file serves them all.
type flagSet struct {
	*flag.FlagSet
	o     IO
	usage string
	envs  map[string]string // flag name → env var, for usage
	// envOnly lists settings read only from the environment, for usage.
	envOnly []envSetting

	mappings string // --mappings: the mapping file or directory
	db       string // --db: the SQLite file or postgres:// URL
}

// envSetting is a setting with no flag, listed in a command's usage.
type envSetting struct{ name, def, usage string }

func newFlagSet(name, usage string, o IO) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), o: o, usage: usage, envs: map[string]string{}}
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.FlagSet.Usage = func() { fs.printUsage(o.Err) }
	fs.stringVar(&fs.mappings, "mappings", "LEADBRIDGE_MAPPINGS", defaultMappings, "mapping file, or directory of *.yaml files")
	fs.stringVar(&fs.db, "db", "LEADBRIDGE_DB", "leadbridge.db", "SQLite file, or a postgres:// URL")
	return fs
}

// printUsage writes the command's usage, flags and environment settings.
func (fs *flagSet) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: leadbridge %s\n\nFlags:\n", fs.usage)
	fs.VisitAll(func(f *flag.Flag) {
		env := ""
		if e := fs.envs[f.Name]; e != "" {
			env = " [$" + e + "]"
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" {
			def = fmt.Sprintf(" (default %q)", f.DefValue)
		}
		fmt.Fprintf(w, "  --%s%s%s\n      %s\n", f.Name, env, def, f.Usage)
	})
	if len(fs.envOnly) > 0 {
		fmt.Fprintf(w, "\nEnvironment:\n")
		for _, e := range fs.envOnly {
			def := ""
			if e.def != "" {
				def = fmt.Sprintf(" (default %q)", e.def)
			}
			fmt.Fprintf(w, "  %s%s\n      %s\n", e.name, def, e.usage)
		}
	}
}

// env lists a setting read only from the environment in the usage.
func (fs *flagSet) env(name, def, usage string) {
	fs.envOnly = append(fs.envOnly, envSetting{name, def, usage})
}

// stringVar defines a string flag whose default comes from env when set.
func (fs *flagSet) stringVar(p *string, name, env, def, usage string) {
	if env != "" {
		fs.envs[name] = env
		if v := fs.o.getenv(env); v != "" {
			def = v
		}
	}
	fs.StringVar(p, name, def, usage)
}

// stringVarEmptyOK is stringVar for a flag where an empty value means
// something (--admin-addr: off): the variable counts when set, even empty.
func (fs *flagSet) stringVarEmptyOK(p *string, name, env, def, usage string) {
	fs.envs[name] = env
	if v, ok := fs.o.lookup(env); ok {
		def = v
	}
	fs.StringVar(p, name, def, usage)
}

// parse parses args, allowing flags after positional arguments. It prints
// usage and returns errUsage-wrapped errors for the caller to exit 2.
func (fs *flagSet) parse(args []string) ([]string, error) {
	// flag.FlagSet calls Usage itself on -h and on a bad flag; silence that
	// call so that usage prints once, after the error message.
	usage := fs.FlagSet.Usage
	fs.FlagSet.Usage = func() {}
	defer func() { fs.FlagSet.Usage = usage }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				// Asked for: the answer goes to stdout, like `leadbridge help`.
				fs.printUsage(fs.o.Out)
				return nil, err
			}
			fmt.Fprintf(fs.o.Err, "leadbridge %s: %v\n", fs.Name(), err)
			usage()
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// "-" is a positional argument (stdin); "--" ends the flags.
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseArgs parses args; when it returns ok=false the command returns
// code: 0 after -h (usage printed), 2 after a bad flag.
func (fs *flagSet) parseArgs(args []string) (pos []string, code int, ok bool) {
	pos, err := fs.parse(args)
	if err == nil {
		return pos, exitOK, true
	}
	if helpRequested(err) {
		return nil, exitOK, false
	}
	return nil, exitUsage, false
}

func usageError(fs *flagSet, format string, args ...any) int {
	fmt.Fprintf(fs.o.Err, "leadbridge %s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.FlagSet.Usage()
	return exitUsage
}

func helpRequested(err error) bool { return errors.Is(err, flag.ErrHelp) }
