package cli

import (
	"errors"
	"fmt"

	"github.com/leadbridge/leadbridge/mappings"
)

// loadMappingsUnverified loads the mappings for a command that checks no
// signature and sends nothing (try, replay, init): the sources' ${VAR}
// secrets may be unset (product.md §2), as they are outside the server's
// environment. Problems are printed as loadMappings prints them.
func loadMappingsUnverified(path string, o IO) (*mappings.Config, bool) {
	cfg, err := mappings.Loader{LookupEnv: o.lookupEnv(), AllowUnsetSecrets: true}.LoadPath(path)
	if err != nil {
		var lerr *mappings.LoadError
		if errors.As(err, &lerr) {
			for _, p := range lerr.Problems {
				fmt.Fprintln(o.Err, p.String())
			}
			fmt.Fprintf(o.Err, "%d problem%s found\n", len(lerr.Problems), plural(len(lerr.Problems)))
		} else {
			fmt.Fprintf(o.Err, "leadbridge: %v\n", err)
		}
		return nil, false
	}
	return cfg, true
}
