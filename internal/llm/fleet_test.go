package llm

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseEndpoints(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		want     []string
		wantErr  string
	}{
		{name: "comments", in: "# fleet\nhttp://a:8000/v1  # node 1\n\n  http://b:8000\n", want: []string{"http://a:8000/v1", "http://b:8000"}},
		{name: "empty", in: "# nobody\n\n", wantErr: "f.txt lists no server"},
		{name: "bad scheme", in: "http://a:1\nftp://b\n", wantErr: "f.txt line 2: llm: base URL \"ftp://b\": scheme must be http or https"},
		{name: "two on a line", in: "http://a:1 http://b:2\n", wantErr: "f.txt line 1"},
		{name: "credentials redacted", in: "http://user:hunter2@a:1 x\n", wantErr: "xxxxx@"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseEndpoints("f.txt", []byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("error = %v, want %q (and no password)", err, tc.wantErr)
				}
				return
			}
			if err != nil || strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// fleetServer is an echo server that can be made to disappear: once dead,
// it drops every connection, and it counts what reached it after.
type fleetServer struct {
	url                  string
	dead                 atomic.Bool
	answered, afterDeath atomic.Int64
}

func newFleetServer(t *testing.T) *fleetServer {
	fs := &fleetServer{}
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/models") {
			_, _ = w.Write([]byte(`{"object":"list","data":[{"id":"m","object":"model"}]}`))
			return
		}
		if fs.dead.Load() {
			fs.afterDeath.Add(1)
			dropConnection(t, w)
			return
		}
		req := decodeTestRequest(t, r)
		time.Sleep(time.Millisecond)
		if fs.dead.Load() { // died while the request was in flight
			dropConnection(t, w)
			return
		}
		fs.answered.Add(1)
		writeChoices(w, "stop", "echo: "+req.Messages[0].Content)
	})
	fs.url = srv.URL
	return fs
}

// TestFleetJoinsAndLeaves runs requests while servers join and leave
// through the endpoints file (one of them dying right after it left, with
// requests in flight) on a client that never retries: every request is
// answered exactly once, with its own answer, none is lost, and no new
// request goes to a server after it left.
func TestFleetJoinsAndLeaves(t *testing.T) {
	t.Parallel()
	a, b, c := newFleetServer(t), newFleetServer(t), newFleetServer(t)
	path := filepath.Join(t.TempDir(), "endpoints.txt")
	write := func(urls ...*fleetServer) {
		var s strings.Builder
		s.WriteString("# the fleet\n")
		for _, u := range urls {
			s.WriteString(u.url + "/v1\n")
		}
		// Write then rename, as an editor or a controller would.
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(s.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write(a)
	urls, err := ReadEndpointsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := NewClient(Options{BaseURLs: urls, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		cl.WatchEndpoints(ctx, path, 2*time.Millisecond, "")
	}()
	// waitFleet waits until the client's fleet is exactly want.
	waitFleet := func(want ...*fleetServer) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			in := map[string]bool{}
			for _, s := range cl.Servers() {
				if !s.Left {
					in[strings.TrimSuffix(s.URL, "/v1/chat/completions")] = true
				}
			}
			ok := len(in) == len(want)
			for _, w := range want {
				ok = ok && in[w.url]
			}
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("fleet is %v, want %d servers", in, len(want))
			}
			time.Sleep(time.Millisecond)
		}
	}

	const total = 600
	var done atomic.Int64
	answers := make([]string, total)
	errs := make([]error, total)
	steps := []struct {
		after   int64
		do      func()
		reached chan struct{} // closed by the worker that completes request number after
	}{
		{50, func() { write(a, b); waitFleet(a, b) }, make(chan struct{})},
		{150, func() { write(a, b, c); waitFleet(a, b, c) }, make(chan struct{})},
		// a leaves, then dies with requests in flight.
		{250, func() { write(b, c); waitFleet(b, c); a.dead.Store(true) }, make(chan struct{})},
		// b leaves and keeps answering what it has.
		{400, func() { write(c); waitFleet(c) }, make(chan struct{})},
		// b comes back.
		{480, func() { write(b, c); waitFleet(b, c) }, make(chan struct{})},
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range jobs {
				resp, err := cl.Complete(ctx, Request{Model: "m", Messages: []Message{{Role: "user", Content: fmt.Sprint("q", i)}}})
				if err == nil {
					answers[i] = resp.Choices[0].Text
				}
				errs[i] = err
				n := done.Add(1)
				for _, s := range steps {
					if n == s.after {
						close(s.reached)
					}
				}
			}
		})
	}
	go func() {
		for i := range total {
			jobs <- i
		}
		close(jobs)
	}()
	for _, s := range steps {
		<-s.reached
		s.do()
	}
	wg.Wait()
	cancel()
	<-watched

	for i := range total {
		if errs[i] != nil {
			t.Errorf("request %d lost: %v", i, errs[i])
		} else if want := fmt.Sprint("echo: q", i); answers[i] != want {
			t.Errorf("request %d answered %q, want %q", i, answers[i], want)
		}
	}
	if n := a.answered.Load() + b.answered.Load() + c.answered.Load(); n != total {
		t.Errorf("servers answered %d requests, want exactly %d", n, total)
	}
	// Only a request that was given to a before it left (its slots: 4) may
	// still reach it.
	if n := a.afterDeath.Load(); n > 4 {
		t.Errorf("%d requests reached a server after it left the fleet; at most its 4 slots' may", n)
	}
	var answered int64
	for _, s := range cl.Servers() {
		answered += s.Answered
		if s.Answered == 0 || strings.Contains(s.URL, "@") {
			t.Errorf("server stats %+v: every server served (and no credentials)", s)
		}
		if left := strings.HasPrefix(s.URL, a.url); s.Left != left {
			t.Errorf("server %s: left = %v, want %v", s.URL, s.Left, left)
		}
	}
	if answered != total {
		t.Errorf("client counts %d answered requests, want %d", answered, total)
	}
	t.Logf("answered: a %d, b %d, c %d; client retries %d", a.answered.Load(), b.answered.Load(), c.answered.Load(), cl.Stats().Retries)
}

// TestSetServersKeepsFleetOnBadInput checks that an empty list, a bad URL
// or servers that all fail the probe leave the fleet as it was.
func TestSetServersKeepsFleetOnBadInput(t *testing.T) {
	t.Parallel()
	good := newFleetServer(t)
	cl, err := NewClient(Options{BaseURLs: []string{good.url}, MaxRetries: DefaultMaxRetries, GiveUpAfter: DefaultGiveUpAfter})
	if err != nil {
		t.Fatal(err)
	}
	down := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusUnauthorized) })
	for _, urls := range [][]string{nil, {"ftp://x"}, {good.url, good.url}, {down.URL}} {
		if _, err := cl.SetServers(t.Context(), urls, "m"); err == nil {
			t.Errorf("SetServers(%v) accepted", urls)
		}
		if s := cl.Servers(); len(s) != 1 || s[0].Left {
			t.Errorf("after SetServers(%v) the fleet is %+v", urls, s)
		}
	}
	// One good newcomer with one that fails the probe: the good one joins,
	// the other is reported.
	other := newFleetServer(t)
	ch, err := cl.SetServers(t.Context(), []string{good.url, other.url, down.URL}, "m")
	if err != nil || len(ch.Added) != 1 || !strings.HasPrefix(ch.Added[0], other.url) || len(ch.Failed) != 1 || ch.Failed[0].Endpoint != down.URL+"/v1/chat/completions" {
		t.Fatalf("SetServers = %+v, %v; want %s added, %s failed", ch, err, other.url, down.URL)
	}
	if s := cl.Servers(); len(s) != 2 {
		t.Errorf("fleet %+v, want 2 servers", s)
	}
	// Without a probe (--no-probe), a listed server joins as it is.
	if ch, err := cl.SetServers(t.Context(), []string{good.url, down.URL}, ""); err != nil || len(ch.Added) != 1 || len(ch.Removed) != 1 {
		t.Errorf("SetServers without probe = %+v, %v; want 1 added, 1 removed", ch, err)
	}
}

// TestWatchReprobesDroppedServer: a listed server that failed the probe at
// the start (still loading) is probed again while the run goes, without
// the file changing, and gets work once it passes.
func TestWatchReprobesDroppedServer(t *testing.T) {
	t.Parallel()
	good := newFleetServer(t)
	var loaded atomic.Bool
	var chats atomic.Int64
	late := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if !loaded.Load() {
			http.Error(w, "loading", http.StatusServiceUnavailable)
			return
		}
		if r.Method == http.MethodGet {
			_, _ = w.Write([]byte(`{"object":"list","data":[{"id":"m","object":"model"}]}`))
			return
		}
		chats.Add(1)
		req := decodeTestRequest(t, r)
		writeChoices(w, "stop", "echo: "+req.Messages[0].Content)
	})
	path := filepath.Join(t.TempDir(), "endpoints.txt")
	if err := os.WriteFile(path, []byte(good.url+"\n"+late.URL+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	urls, err := ReadEndpointsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := NewClient(Options{BaseURLs: urls, Concurrency: 2, MaxRetries: DefaultMaxRetries, GiveUpAfter: DefaultGiveUpAfter})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Probe(t.Context(), "m"); err != nil {
		t.Fatal(err)
	}
	if cl.UsableServers() != 1 {
		t.Fatalf("%d usable servers after the probe, want 1", cl.UsableServers())
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); cl.WatchEndpoints(ctx, path, 2*time.Millisecond, "m") }()
	loaded.Store(true)
	deadline := time.Now().Add(20 * time.Second)
	for cl.UsableServers() != 2 {
		if time.Now().After(deadline) {
			t.Fatal("the loaded server never rejoined")
		}
		time.Sleep(time.Millisecond)
	}
	for i := range 40 {
		if _, err := cl.Complete(t.Context(), Request{Model: "m", Messages: []Message{{Role: "user", Content: fmt.Sprint(i)}}}); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	<-done
	if chats.Load() == 0 {
		t.Error("the server that rejoined got no work")
	}
	for _, s := range cl.Servers() {
		if s.Left {
			t.Errorf("server %s still counted as left", s.URL)
		}
	}
}
