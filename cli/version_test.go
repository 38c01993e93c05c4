package cli

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStamp(t *testing.T) {
	t.Parallel()
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	tests := []struct {
		name         string
		v, c         string
		info         debug.BuildInfo
		wantV, wantC string
	}{
		{"ldflags win", "v1.2.3", "abc1234", debug.BuildInfo{Main: debug.Module{Version: "v9.9.9"}, Settings: vcs("ffffffffffffffffffff", "false")}, "v1.2.3", "abc1234"},
		{"go install module@version", "dev", "unknown", debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}}, "v0.4.0", "unknown"},
		{"build in a clone", "dev", "unknown", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("0123456789abcdef0123", "false")}, "dev", "0123456789ab"},
		{"dirty clone", "dev", "unknown", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("0123456789abcdef0123", "true")}, "dev", "0123456789ab-dirty"},
		{"no vcs (a source tarball, -buildvcs=false)", "dev", "unknown", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev", "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, c := stamp(tt.v, tt.c, &tt.info)
			require.Equal(t, tt.wantV, v)
			require.Equal(t, tt.wantC, c)
		})
	}
}

func TestVersionCommand(t *testing.T) {
	t.Parallel()
	r := run(t, nil, "", "version")
	require.Equal(t, 0, r.code)
	require.Equal(t, "leadbridge "+version+" (commit "+commit+", "+runtime.Version()+")\n", r.out)
}
