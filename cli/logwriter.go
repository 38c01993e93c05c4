package cli

import (
	"io"
	"sync"
)

// logWriter hands log lines to a goroutine that writes them, so that
// webhooks answered together share one write(2) instead of one each (a
// line per webhook is product.md §2; its write was about 2% of a
// webhook's CPU under load). When idle a line is written at once, a few
// microseconds later; Close writes what is left. What a SIGKILL can lose
// is the lines handed over but not yet written: those of the last write's
// duration, under load well below a millisecond. If the destination
// blocks, Write blocks once maxPending bytes wait (memory stays bounded),
// as a direct write would.
type logWriter struct {
	w    io.Writer
	mu   sync.Mutex
	cond *sync.Cond // signalled when pending was taken or the writer stops
	// pending are the lines not yet written; closed stops the writer.
	pending []byte
	spare   []byte
	closed  bool
	wake    chan struct{}
	done    chan struct{}
}

// maxPending bounds the bytes of lines waiting to be written.
const maxPending = 1 << 20

func newLogWriter(w io.Writer) *logWriter {
	l := &logWriter{w: w, wake: make(chan struct{}, 1), done: make(chan struct{})}
	l.cond = sync.NewCond(&l.mu)
	go l.run()
	return l
}

// Write queues p (one log line) for writing; after Close it writes p itself.
func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	for len(l.pending) >= maxPending && !l.closed {
		l.cond.Wait()
	}
	if l.closed {
		l.mu.Unlock()
		<-l.done // after the lines handed over before
		return l.w.Write(p)
	}
	l.pending = append(l.pending, p...)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default: // the writer is awake already: it takes this line too
	}
	return len(p), nil
}

func (l *logWriter) run() {
	defer close(l.done)
	for {
		<-l.wake
		l.mu.Lock()
		for len(l.pending) > 0 {
			b := l.pending
			l.pending = l.spare[:0]
			l.cond.Broadcast()
			l.mu.Unlock()
			_, _ = l.w.Write(b) // as slog does, a failed log write is dropped
			l.mu.Lock()
			l.spare = b[:0]
		}
		stop := l.closed
		l.mu.Unlock()
		if stop {
			return
		}
	}
}

// Close writes the lines still waiting and stops the writer goroutine;
// later lines are written directly.
func (l *logWriter) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.cond.Broadcast()
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	<-l.done
	return nil
}
