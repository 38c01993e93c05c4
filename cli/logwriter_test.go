package cli

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for the writer goroutine and the test.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestLogWriterKeepsEveryLineInOrder(t *testing.T) {
	var dst syncBuffer
	lw := newLogWriter(&dst)
	var want strings.Builder
	for i := range 10000 {
		line := fmt.Sprintf("line %d\n", i)
		want.WriteString(line)
		n, err := lw.Write([]byte(line))
		require.NoError(t, err)
		require.Equal(t, len(line), n)
	}
	require.NoError(t, lw.Close())
	require.Equal(t, want.String(), dst.String(), "Close writes what was waiting, in order")
	require.Less(t, dst.writes, 10000, "lines share writes")

	_, err := lw.Write([]byte("after close\n"))
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(dst.String(), "line 9999\nafter close\n"), "a line after Close is written directly")
	require.NoError(t, lw.Close(), "Close twice is harmless")
}

func TestLogWriterConcurrentLinesAreWhole(t *testing.T) {
	var dst syncBuffer
	lw := newLogWriter(&dst)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				_, _ = lw.Write([]byte(fmt.Sprintf("g%d %d\n", g, i)))
			}
		})
	}
	wg.Wait()
	require.NoError(t, lw.Close())
	lines := strings.Split(strings.TrimSuffix(dst.String(), "\n"), "\n")
	require.Len(t, lines, 8000)
	next := map[string]int{}
	for _, l := range lines {
		var g string
		var i int
		_, err := fmt.Sscanf(l, "%s %d", &g, &i)
		require.NoError(t, err, "line %q", l)
		require.Equal(t, next[g], i, "each writer's lines in its order")
		next[g]++
	}
}

// blockingWriter blocks every write until released; entered tells that
// the first write has begun.
type blockingWriter struct {
	release, entered chan struct{}
	once             sync.Once
	syncBuffer
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	b.once.Do(func() { close(b.entered) })
	<-b.release
	return b.syncBuffer.Write(p)
}

func TestLogWriterBlocksWhenTheDestinationDoes(t *testing.T) {
	dst := &blockingWriter{release: make(chan struct{}), entered: make(chan struct{})}
	lw := newLogWriter(dst)
	line := bytes.Repeat([]byte("x"), 1023)
	line = append(line, '\n')
	// The first line is taken by the writer goroutine (blocked in Write);
	// the next maxPending bytes wait; the one after must block.
	_, _ = lw.Write(line)
	<-dst.entered
	blocked := make(chan struct{})
	go func() {
		for range maxPending/len(line) + 2 {
			_, _ = lw.Write(line)
		}
		close(blocked)
	}()
	lw.mu.Lock()
	for len(lw.pending) < maxPending {
		lw.mu.Unlock()
		lw.mu.Lock()
	}
	lw.mu.Unlock()
	select {
	case <-blocked:
		t.Fatal("Write went on past maxPending while the destination was blocked")
	default:
	}
	close(dst.release)
	<-blocked
	require.NoError(t, lw.Close())
	require.Equal(t, (maxPending/len(line)+3)*len(line), len(dst.String()))
}
