package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// post sends one webhook with the test token and returns the status.
func postHook(t testing.TB, client *http.Client, url, contentType string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Leadbridge-Token", token)
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// TestReloadUnderTrickle is the README's default layout: the mapping
// file, the database (with its WAL) and the log file in one directory, a
// steady trickle of webhooks, debug logging. An edit of the mapping file
// is loaded within a few seconds, and the log does not feed the watcher.
func TestReloadUnderTrickle(t *testing.T) {
	t.Parallel() // a process of its own; waits more than it computes
	bin := binary(t)
	dir := t.TempDir()
	m := writeMappings(t, dir)
	logPath := filepath.Join(dir, "leadbridge.log")
	srv := start(t, serverSpec{bin: bin, db: filepath.Join(dir, "leadbridge.db"), mappings: m, logPath: logPath, args: []string{"--log-level", "debug"}})

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var sent, accepted atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		client := &http.Client{Timeout: 5 * time.Second}
		tick := time.NewTicker(50 * time.Millisecond) // 20 webhooks/s
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				n := sent.Add(1)
				if postHook(t, client, srv.hookURL(), "application/json", webhookBody(fmt.Sprintf("trickle-%d", n))) == 202 {
					accepted.Add(1)
				}
			}
		}
	}()
	time.Sleep(time.Second) // the trickle is under way: the WAL and the log change all the time

	edited := strings.Replace(mappingsYAML, "sources:\n", "sources:\n  edited:\n    provider: generic\n    token: "+token+"\n    lead: {name: name, email: email, partner: {key: ref}}\n", 1)
	tmp := filepath.Join(dir, ".mappings.yaml.tmp")
	if err := os.WriteFile(tmp, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, m); err != nil { // as editors and git do
		t.Fatal(err)
	}
	editAt := time.Now()
	client := &http.Client{Timeout: 5 * time.Second}
	loaded := time.Duration(0)
	for time.Since(editAt) < 10*time.Second {
		// 400 "no such source" until the edit is loaded, then 200 ignored (no partner).
		if code := postHook(t, client, "http://"+srv.addr+"/hooks/edited", "application/json", []byte(`{"name":"x"}`)); code != 400 {
			loaded = time.Since(editAt)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if loaded == 0 {
		t.Fatalf("the edit was not loaded within 10s under a trickle of %d webhooks", sent.Load())
	}
	t.Logf("edit loaded after %s under a trickle of 20 webhooks/s (%d sent, %d accepted)", loaded.Round(10*time.Millisecond), sent.Load(), accepted.Load())
	if loaded > 5*time.Second {
		t.Fatalf("the edit took %s to load", loaded)
	}

	// No traffic: the debug log must not feed the watcher (it once wrote
	// 50 MB in 9 s, each "directory changed" line being a change).
	before := fileSize(t, logPath)
	time.Sleep(2 * time.Second)
	if grew := fileSize(t, logPath) - before; grew > 4<<10 {
		t.Fatalf("the log grew %d bytes in 2 s without traffic", grew)
	}
}

// formBody is an urlencoded body of about size bytes over 1,000 fields,
// carrying a lead.
func formBody(id string, size int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "id=%s&name=Form+Person&email=%s&ref=ref_1", id, url.QueryEscape(emailOf(id)))
	value := strings.Repeat("x", size/990)
	for i := 0; b.Len() < size-len(value)-16 && i < 990; i++ {
		fmt.Fprintf(&b, "&f%d=%s", i, value)
	}
	return []byte(b.String())
}

// peakRSS reads the child's peak and current resident memory (kB).
func peakRSS(t testing.TB, pid int) (peak, now int64) {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmHWM:":
			peak = v
		case "VmRSS:":
			now = v
		}
	}
	return peak, now
}

// TestMemoryUnderLargeForms: 200 authenticated 1 MB form webhooks at once
// stay under 300 MB of resident memory (they once took 2.7 GB): decoding
// costs a small multiple of a body, and the bodies in memory at once are
// bounded (a burst waits for room).
func TestMemoryUnderLargeForms(t *testing.T) {
	t.Parallel() // a process of its own; waits more than it computes
	bin := binary(t)
	dir := t.TempDir()
	srv := start(t, serverSpec{bin: bin, db: filepath.Join(dir, "lb.db"), mappings: writeMappings(t, dir), logPath: filepath.Join(dir, "log")})
	const n, size = 200, 1 << 20
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = formBody(fmt.Sprintf("big-%d", i), size-64)
	}
	_, base := peakRSS(t, srv.cmd.Process.Pid)
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxConnsPerHost: n, MaxIdleConnsPerHost: n}}
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i] = postHook(t, client, srv.hookURL(), "application/x-www-form-urlencoded", bodies[i])
		}()
	}
	began := time.Now()
	close(start)
	wg.Wait()
	took := time.Since(began)
	peak, after := peakRSS(t, srv.cmd.Process.Pid)
	byCode := map[int]int{}
	for _, c := range codes {
		byCode[c]++
	}
	t.Logf("%d concurrent %d-byte form webhooks in %s: answers %v; RSS at start %d MB, peak %d MB, after %d MB",
		n, len(bodies[0]), took.Round(time.Millisecond), byCode, base/1024, peak/1024, after/1024)
	if peak > 300*1024 {
		t.Fatalf("peak RSS %d MB, over 300 MB", peak/1024)
	}
	if byCode[202]+byCode[503] != n {
		t.Fatalf("every webhook is accepted or told to retry (503): %v", byCode)
	}
	if byCode[202] == 0 {
		t.Fatalf("none accepted: %v", byCode)
	}
}

// TestLogBytesPerLongSourceName: an unauthenticated client posting to a
// 60 KB source name gets at most one short log line per request.
func TestLogBytesPerLongSourceName(t *testing.T) {
	t.Parallel() // a process of its own; waits more than it computes
	bin := binary(t)
	dir := t.TempDir()
	logPath := filepath.Join(dir, "log")
	srv := start(t, serverSpec{bin: bin, db: filepath.Join(dir, "lb.db"), mappings: writeMappings(t, dir), logPath: logPath})
	name := strings.Repeat("n", 60<<10)
	client := &http.Client{Timeout: 5 * time.Second}
	before := fileSize(t, logPath)
	const n = 100
	for range n {
		if code := postHook(t, client, "http://"+srv.addr+"/hooks/"+name, "application/json", []byte(`{}`)); code != 400 {
			t.Fatalf("answer %d, want 400", code)
		}
	}
	perRequest := (fileSize(t, logPath) - before) / n
	t.Logf("log bytes per request to a 60 KB source name: %d", perRequest)
	if perRequest > 512 {
		t.Fatalf("%d log bytes per request", perRequest)
	}
}
