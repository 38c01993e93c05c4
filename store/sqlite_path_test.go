package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// A SQLite path is a path, not a URI: '#', '?', '%' and spaces in it name
// the file they say, with the store's settings applied.
func TestSQLitePathWithURICharacters(t *testing.T) {
	for _, dirName := range []string{"a#1", "b?x=1", "c%41 d", "plain"} {
		dir := filepath.Join(t.TempDir(), dirName)
		require.NoError(t, os.Mkdir(dir, 0o755))
		path := filepath.Join(dir, "lb.db")
		s, err := Open(context.Background(), Config{DSN: path})
		require.NoError(t, err, dirName)
		var mode string
		require.NoError(t, s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
		require.Equal(t, "wal", mode, dirName)
		var seq int
		var name, file string
		require.NoError(t, s.db.QueryRow(`PRAGMA database_list`).Scan(&seq, &name, &file))
		require.Equal(t, path, file, dirName)
		require.NoError(t, s.Close(context.Background()))
		_, err = os.Stat(path)
		require.NoError(t, err, "the database is where the path says")
	}
	// A file: URI is taken as escaped.
	dir := filepath.Join(t.TempDir(), "e#f")
	require.NoError(t, os.Mkdir(dir, 0o755))
	s, err := Open(context.Background(), Config{DSN: "file:" + filepath.Dir(dir) + "/e%23f/lb.db?mode=rwc"})
	require.NoError(t, err)
	require.NoError(t, s.Close(context.Background()))
	_, err = os.Stat(filepath.Join(dir, "lb.db"))
	require.NoError(t, err)
}
