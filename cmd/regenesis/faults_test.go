package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the run store's driver, to change a row

	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// gsm8kKey is the answer key of the first n GSM8K training questions.
func gsm8kKey(t *testing.T, n int) []simserver.Entry {
	t.Helper()
	tk, err := task.NewRegistry(dataDir).Get("gsm8k")
	if err != nil {
		t.Fatal(err)
	}
	exs, err := tk.First(context.Background(), "train", n)
	if err != nil {
		t.Fatal(err)
	}
	return simserver.Key(exs...)
}

// synthArgs is a seeded synthesis of the first n GSM8K training questions.
func synthArgs(baseURL, model string, n, serverConcurrency int, out string, extra ...string) []string {
	args := []string{"synthesize", "--task", "gsm8k", "--split", "train", "--limit", strconv.Itoa(n),
		"--method", "regenesis", "--model", model, "--base-url", baseURL, "--data-dir", dataDir,
		"--server-concurrency", strconv.Itoa(serverConcurrency), "--seed", "3", "--out", out}
	return append(args, extra...)
}

// runBinary runs bin with args and returns its exit status, its stderr and
// how long it took.
func runBinary(t *testing.T, bin string, args ...string) (int, string, time.Duration) {
	t.Helper()
	return runBinaryEnv(t, nil, bin, args...)
}

// runBinaryEnv is runBinary with env ("NAME=value") added to the
// process's environment, overriding the test's own.
func runBinaryEnv(t *testing.T, env []string, bin string, args ...string) (int, string, time.Duration) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var stderr bytes.Buffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stderr.String(), took
	case errors.As(err, &exit):
		return exit.ExitCode(), stderr.String(), took
	default:
		t.Fatalf("run %v: %v", args, err)
		return 0, "", 0
	}
}

// closedBaseURL is the base URL of a loopback port nothing listens on.
func closedBaseURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr + "/v1"
}

// resent is how many successful answers repeated a body answered before:
// every request sent again, however often.
func resent(st simserver.Stats) int64 { return st.Succeeded - int64(st.DistinctBodies) }

// recorder passes requests to the simulated model and records, for every
// request body answered with 200, the run that first got an answer to it
// and how many answers it got.
type recorder struct {
	sim      http.Handler
	run      atomic.Int32 // the run now going, set by the test
	answered atomic.Int64
	active   atomic.Int64 // requests being handled
	arrived  atomic.Int64 // when the last chat request arrived (unix ns)
	mu       sync.Mutex
	first    map[[32]byte]int32
	count    map[[32]byte]int
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		r.sim.ServeHTTP(w, req)
		return
	}
	r.active.Add(1)
	defer r.active.Add(-1)
	r.arrived.Store(time.Now().UnixNano())
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	r.sim.ServeHTTP(sw, req)
	if sw.status != http.StatusOK {
		return
	}
	h := sha256.Sum256(body)
	r.mu.Lock()
	if _, ok := r.first[h]; !ok {
		r.first[h] = r.run.Load()
	}
	r.count[h]++
	r.mu.Unlock()
	r.answered.Add(1)
}

// resentAfter counts, per run, the bodies first answered in that run and
// answered again later: the requests that were in flight (answered but
// not yet committed) when that run was killed, and were sent again.
func (r *recorder) resentAfter() map[int32]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[int32]int{}
	for h, run := range r.first {
		if r.count[h] > 1 {
			out[run]++
		}
	}
	return out
}

// TestKillBoundUnderLoad SIGKILLs synthesis runs under load several times
// at different points, resuming in between, and checks that after each
// kill at most --server-concurrency of the requests answered before it
// were sent again: a response that arrived is committed before its server
// slot takes another request.
func TestKillBoundUnderLoad(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary and kills it under load")
	}
	bin := buildBinary(t)
	tests := []struct {
		concurrency int
		questions   int
		kills       []int64 // cumulative answered requests at which to kill
	}{
		{16, 8, []int64{60, 230, 400, 570, 740, 910}},       // of about 1,100
		{64, 24, []int64{200, 750, 1300, 1850, 2400, 2950}}, // of about 3,300
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("server-concurrency=%d", tt.concurrency), func(t *testing.T) {
			sim := simserver.New(simserver.Config{Seed: 11, Latency: simserver.Latency{Fixed: 15 * time.Millisecond, Jitter: 10 * time.Millisecond}},
				gsm8kKey(t, tt.questions))
			rec := &recorder{sim: sim, first: map[[32]byte]int32{}, count: map[[32]byte]int{}}
			ts := httptest.NewServer(rec)
			defer ts.Close()
			out := filepath.Join(t.TempDir(), "run")
			args := synthArgs(ts.URL+"/v1", sim.Model(), tt.questions, tt.concurrency, out)
			for i, at := range tt.kills {
				rec.run.Store(int32(i + 1))
				cmd := exec.Command(bin, args...)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				deadline := time.Now().Add(30 * time.Second)
				for rec.answered.Load() < at {
					if time.Now().After(deadline) {
						_ = cmd.Process.Kill()
						_ = cmd.Wait()
						t.Fatalf("run %d made no progress to %d answers; stderr:\n%s", i+1, at, stderr.String())
					}
					time.Sleep(2 * time.Millisecond)
				}
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				_ = cmd.Wait()
				if _, err := os.Stat(filepath.Join(out, "sft.jsonl")); err == nil {
					t.Fatalf("run %d finished before the kill at %d answers", i+1, at)
				}
				// Let the server finish (or drop) what the killed run had
				// in flight, so that it is counted in this run: under load
				// the server may start handling a dead client's last
				// requests late, so wait until none is being handled and
				// none has arrived for a while.
				for wait := time.Now().Add(10 * time.Second); time.Now().Before(wait); time.Sleep(time.Millisecond) {
					if rec.active.Load() == 0 && time.Since(time.Unix(0, rec.arrived.Load())) > 300*time.Millisecond {
						break
					}
				}
			}
			rec.run.Store(int32(len(tt.kills) + 1))
			if code, stderr, _ := runBinary(t, bin, args...); code != 0 {
				t.Fatalf("final resume: exit %d\n%s", code, stderr)
			}
			resent := rec.resentAfter()
			for k := range len(tt.kills) {
				n := resent[int32(k+1)]
				t.Logf("kill %d: %d requests sent again", k+1, n)
				if n > tt.concurrency {
					t.Errorf("kill %d: %d requests answered before it were sent again, at most %d were in flight", k+1, n, tt.concurrency)
				}
			}
			if n := resent[int32(len(tt.kills)+1)]; n != 0 {
				t.Errorf("the final, uninterrupted run sent %d of its own requests twice", n)
			}
			t.Logf("%d answers in all", rec.answered.Load())
		})
	}
}

// front is a vLLM-like front for the simulated model: it wants the bearer
// token key (when set), answers 404 for a model it does not serve, and
// while broken answers HTTP 500 to every chat request once it has answered
// healthy of them.
type front struct {
	sim     *simserver.Server
	key     string
	healthy int64
	broken  atomic.Bool
	chats   atomic.Int64
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.key != "" && r.Header.Get("Authorization") != "Bearer "+f.key {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`)
		return
	}
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		if !bytes.Contains(body, []byte(`"model":"`+f.sim.Model()+`"`)) {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"object":"error","message":"The model does not exist.","type":"NotFoundError","code":404}`)
			return
		}
		if f.broken.Load() && f.chats.Add(1) > f.healthy {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"error":{"message":"CUDA error: an illegal memory access was encountered","type":"InternalServerError"}}`)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	f.sim.ServeHTTP(w, r)
}

// TestProbeBeforeWork checks that a server that cannot be used is reported
// before any work, naming the server and the cause, by every command that
// calls a model; and that a bad server among good ones is dropped.
func TestProbeBeforeWork(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	sim := simserver.New(simserver.Config{Seed: 1}, gsm8kKey(t, 2))
	ts := httptest.NewServer(&front{sim: sim, key: "sk-good"})
	defer ts.Close()
	withPassword := strings.Replace(ts.URL, "http://", "http://user:hunter2@", 1) + "/v1"
	host := strings.TrimPrefix(ts.URL, "http://") // the server as errors name it, password redacted
	closed := closedBaseURL(t)
	evalArgs := func(baseURL, model, key, out string) []string {
		return []string{"eval", "--task", "gsm8k", "--limit", "2", "--model", model, "--base-url", baseURL,
			"--api-key", key, "--data-dir", dataDir, "--out", out}
	}
	tests := []struct {
		name string
		args func(out string) []string
		want []string // in stderr; empty for success
	}{
		{"wrong model", func(out string) []string {
			return append(synthArgs(withPassword, "mistral-7b", 2, 4, out), "--api-key", "sk-good")
		}, []string{host, `does not serve model "mistral-7b" (it serves: ` + sim.Model() + `)`, "--model"}},
		{"wrong model, eval", func(out string) []string {
			return evalArgs(withPassword, "mistral-7b", "sk-good", out)
		}, []string{host, `does not serve model "mistral-7b"`}},
		{"wrong key", func(out string) []string {
			return append(synthArgs(withPassword, sim.Model(), 2, 4, out), "--api-key", "sk-bad")
		}, []string{host, "authentication failed: the server refused the API key (HTTP 401: Incorrect API key provided)"}},
		{"no key", func(out string) []string {
			return synthArgs(withPassword, sim.Model(), 2, 4, out)
		}, []string{host, "the server wants an API key (HTTP 401", "OPENAI_API_KEY"}},
		{"closed port", func(out string) []string {
			return synthArgs(closed, sim.Model(), 2, 4, out)
		}, []string{closed, "cannot reach the server", "connection refused", "--base-url"}},
		{"one good of two", func(out string) []string {
			return append(synthArgs(closed+","+withPassword, sim.Model(), 2, 4, out), "--api-key", "sk-good")
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := sim.Stats().Requests
			// No key from the environment the tests run in.
			code, stderr, _ := runBinaryEnv(t, []string{"OPENAI_API_KEY="}, bin, tt.args(filepath.Join(t.TempDir(), "out"))...)
			if strings.Contains(stderr, "hunter2") || strings.Contains(stderr, "sk-good") || strings.Contains(stderr, "sk-bad") {
				t.Errorf("stderr shows a credential:\n%s", stderr)
			}
			if tt.want == nil {
				if code != 0 {
					t.Fatalf("exit %d with one usable server\n%s", code, stderr)
				}
				if !strings.Contains(stderr, "failed the probe") || !strings.Contains(stderr, closed) {
					t.Errorf("no warning about the dropped server:\n%s", stderr)
				}
				return
			}
			if code == 0 {
				t.Fatalf("exit 0 with no usable server\n%s", stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if n := sim.Stats().Requests - before; n != 0 {
				t.Errorf("%d requests reached the model after a failed probe", n)
			}
		})
	}
}

// TestGiveUpStopsRun checks that a run against servers that keep failing
// stops within --give-up-after with the cause, keeps what it finished, and
// resumes with the same command.
func TestGiveUpStopsRun(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	const giveUp = 2 * time.Second
	// The run may take this much longer than giveUp: the failures must
	// first reach every server, and the process must start and stop.
	const slack = 10 * time.Second
	sim := simserver.New(simserver.Config{Seed: 5}, gsm8kKey(t, 4))
	f := &front{sim: sim, healthy: 60}
	ts := httptest.NewServer(f)
	defer ts.Close()

	t.Run("closed port", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out")
		code, stderr, took := runBinary(t, bin, synthArgs(closedBaseURL(t), sim.Model(), 4, 8, out, "--no-probe", "--give-up-after", giveUp.String())...)
		checkGaveUp(t, code, stderr, took, giveUp+slack, "connection refused")
	})

	t.Run("500 to everything, then resume", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out")
		args := synthArgs(ts.URL+"/v1", sim.Model(), 4, 8, out, "--give-up-after", giveUp.String())
		f.broken.Store(true)
		code, stderr, took := runBinary(t, bin, args...)
		checkGaveUp(t, code, stderr, took, giveUp+slack, "HTTP 500", "CUDA error")
		if _, err := os.Stat(filepath.Join(out, "sft.jsonl")); err == nil {
			t.Error("a stopped run wrote sft.jsonl as if it were complete")
		}
		answered := sim.Stats().Succeeded
		if answered == 0 {
			t.Fatal("the server answered nothing before breaking; nothing to resume")
		}
		// The server recovers: the same command resumes, sending none of
		// the answered requests again.
		f.broken.Store(false)
		if code, stderr, _ := runBinary(t, bin, args...); code != 0 {
			t.Fatalf("resume: exit %d\n%s", code, stderr)
		}
		if n := resent(sim.Stats()); n != 0 {
			t.Errorf("resume sent %d answered requests again", n)
		}
		resumed := readOutputs(t, out)
		fresh := filepath.Join(t.TempDir(), "fresh")
		if code, stderr, _ := runBinary(t, bin, synthArgs(ts.URL+"/v1", sim.Model(), 4, 8, fresh)...); code != 0 {
			t.Fatalf("fresh run: exit %d\n%s", code, stderr)
		}
		for name, b := range readOutputs(t, fresh) {
			if !bytes.Equal(b, resumed[name]) {
				t.Errorf("%s of the stopped-and-resumed run differs from an uninterrupted run", name)
			}
		}
	})
}

func checkGaveUp(t *testing.T, code int, stderr string, took, limit time.Duration, causes ...string) {
	t.Helper()
	if code == 0 {
		t.Fatalf("exit 0 against failing servers\n%s", stderr)
	}
	if took > limit {
		t.Errorf("the run took %v to stop, want at most %v", took, limit)
	}
	for _, want := range append(causes, "every server failed for", "run the same command again to resume") {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if n := strings.Count(stderr, "server failing"); n > 1 {
		t.Errorf("the cause was logged %d times, want once:\n%s", n, stderr)
	}
}

// TestCorruptStoreRow changes one stored reply in a finished run's store:
// the re-run stops naming the row and --repair; with --repair it requests
// that sample again and the outputs equal the original run's.
func TestCorruptStoreRow(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	srv, err := simserver.Start(simserver.Config{Seed: 2}, gsm8kKey(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "run")
	args := synthArgs(srv.BaseURL, srv.Model(), 2, 8, out)
	if code, stderr, _ := runBinary(t, bin, args...); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	original := readOutputs(t, out)

	// Change a digit of one stored reply, as a bad disk or a stray edit would.
	db, err := sql.Open("sqlite", filepath.Join(out, "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	var key []byte
	var text string
	if err := db.QueryRow(`SELECT key, text FROM samples WHERE text GLOB '*[0-9]*' ORDER BY key LIMIT 1`).Scan(&key, &text); err != nil {
		t.Fatal(err)
	}
	i := strings.IndexAny(text, "0123456789")
	changed := text[:i] + string('0'+(text[i]-'0'+1)%10) + text[i+1:]
	if _, err := db.Exec(`UPDATE samples SET text = ? WHERE key = ?`, changed, key); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	before := srv.Stats().Succeeded
	code, stderr, _ := runBinary(t, bin, args...)
	if code == 0 {
		t.Fatal("a run over a corrupt store row exited 0")
	}
	for _, want := range []string{fmt.Sprintf("key=%x", key), "does not match its checksum", "--repair"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for name, b := range readOutputs(t, out) {
		if !bytes.Equal(b, original[name]) {
			t.Errorf("the failed re-run changed %s", name)
		}
	}

	code, stderr, _ = runBinary(t, bin, append(args, "--repair")...)
	if code != 0 {
		t.Fatalf("--repair: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "dropped a sample that failed its checksum") {
		t.Errorf("--repair did not say what it dropped:\n%s", stderr)
	}
	if n := srv.Stats().Succeeded - before; n != 1 {
		t.Errorf("--repair sent %d requests, want 1 (the dropped sample)", n)
	}
	for name, b := range readOutputs(t, out) {
		if !bytes.Equal(b, original[name]) {
			t.Errorf("%s after --repair differs from the original run", name)
		}
	}
}
