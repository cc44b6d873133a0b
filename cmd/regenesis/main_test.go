package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// dataDir is the shared benchmark data, relative to this package's folder.
const dataDir = "../../../shared/data"

// serverConcurrency is the per-server request cap the runs below use; at
// most this many requests are in flight when the process is killed.
const serverConcurrency = 16

// TestMain gives the tests one binary to run (binaryDir), built on the
// first buildBinary, and removes it at the end.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "regenesis-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binaryDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// binaryDir holds the binary the tests run; set once by TestMain.
var binaryDir string

// built compiles regenesis into binaryDir once, for every test of the
// package: the tests run the binary and never change it.
var built = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binaryDir, "regenesis")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
})

// buildBinary returns the path of the regenesis binary, building it on the
// first call.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin, err := built()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// startSimulated serves the first n GSM8K training questions with latency,
// so that a run takes long enough to be killed in the middle.
func startSimulated(t *testing.T, n int) *simserver.Running {
	t.Helper()
	tk, err := task.NewRegistry(dataDir).Get("gsm8k")
	if err != nil {
		t.Fatal(err)
	}
	exs, err := tk.First(context.Background(), "train", n)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := simserver.Start(simserver.Config{Seed: 7, Latency: simserver.Latency{Fixed: 20 * time.Millisecond}}, simserver.Key(exs...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// synthQuestions is how many questions the synthesis runs below take.
const synthQuestions = 6

// synthHarness is the built binary and a simulated server for synthesis
// runs over the first synthQuestions GSM8K training questions.
type synthHarness struct {
	t   *testing.T
	bin string
	srv *simserver.Running
}

// newSynthHarness skips the test in -short mode, else builds the binary
// and starts the simulated server.
func newSynthHarness(t *testing.T) *synthHarness {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and runs it against a simulated server")
	}
	return &synthHarness{t: t, bin: buildBinary(t), srv: startSimulated(t, synthQuestions)}
}

// command is the synthesis run into out.
func (h *synthHarness) command(out string) *exec.Cmd {
	return exec.Command(h.bin, "synthesize", "--task", "gsm8k", "--split", "train", "--limit", strconv.Itoa(synthQuestions),
		"--method", "regenesis", "--model", h.srv.Model(), "--base-url", h.srv.BaseURL, "--data-dir", dataDir,
		"--server-concurrency", strconv.Itoa(serverConcurrency), "--seed", "3", "--out", out)
}

// run runs the synthesis into out to the end, failing the test with what
// and the output when it fails.
func (h *synthHarness) run(what, out string) {
	h.t.Helper()
	if b, err := h.command(out).CombinedOutput(); err != nil {
		h.t.Fatalf("%s: %v\n%s", what, err, b)
	}
}

// startUntil starts the synthesis into out and returns once the simulated
// server has answered at least n requests, with the process still running.
func (h *synthHarness) startUntil(out string, n int64) (*exec.Cmd, *bytes.Buffer) {
	t, srv := h.t, h.srv
	t.Helper()
	cmd := h.command(out)
	stderr := new(bytes.Buffer)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for srv.Stats().Succeeded < n {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("run made no progress; stderr:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cmd, stderr
}

func readOutputs(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	got := map[string][]byte{}
	for _, name := range []string{"sft.jsonl", "candidates.jsonl"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got[name] = b
	}
	return got
}

// TestKilledRunResumes SIGKILLs a synthesis run in the middle, runs the same
// command again, and checks that the outputs equal those of a run that was
// never interrupted and that at most the requests in flight at the kill were
// sent twice.
func TestKilledRunResumes(t *testing.T) {
	t.Parallel()
	h := newSynthHarness(t)
	srv := h.srv
	out := filepath.Join(t.TempDir(), "run")

	// Kill once a good part of the work is done, but not all of it.
	cmd, _ := h.startUntil(out, 150)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	before := srv.Stats()
	if _, err := os.Stat(filepath.Join(out, "sft.jsonl")); err == nil {
		t.Fatalf("killed run left a finished sft.jsonl; it was killed too late (succeeded=%d)", before.Succeeded)
	}

	h.run("resumed run", out)
	after := srv.Stats()
	if after.RepeatedBodies > serverConcurrency {
		t.Errorf("resume repeated %d requests; at most %d were in flight at the kill", after.RepeatedBodies, serverConcurrency)
	}
	if after.Succeeded <= before.Succeeded {
		t.Errorf("resumed run sent no new requests (before %d, after %d): the kill came after the work was done", before.Succeeded, after.Succeeded)
	}
	t.Logf("requests before kill %d, after resume %d, repeated %d", before.Succeeded, after.Succeeded, after.RepeatedBodies)

	// A third run replays the store: no request at all, same bytes.
	resumed := readOutputs(t, out)
	h.run("replay", out)
	if n := srv.Stats().Requests; n != after.Requests {
		t.Errorf("replay sent %d requests, want 0", n-after.Requests)
	}
	for name, b := range readOutputs(t, out) {
		if !bytes.Equal(b, resumed[name]) {
			t.Errorf("%s differs between the resumed run and its replay", name)
		}
	}

	// An uninterrupted run into a fresh directory gives the same bytes.
	fresh := filepath.Join(t.TempDir(), "fresh")
	h.run("fresh run", fresh)
	for name, b := range readOutputs(t, fresh) {
		if !bytes.Equal(b, resumed[name]) {
			t.Errorf("%s of the killed-and-resumed run differs from an uninterrupted run", name)
		}
	}
}

// TestInterruptExits130 sends SIGINT mid-run: the program stops sending,
// lets the requests in flight finish, saves them and exits 130; the same
// command then completes without repeating any request.
func TestInterruptExits130(t *testing.T) {
	t.Parallel()
	h := newSynthHarness(t)
	srv := h.srv
	out := filepath.Join(t.TempDir(), "run")
	cmd, stderr := h.startUntil(out, 100)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("exit after SIGINT = %v, want status 130; stderr:\n%s", err, stderr.String())
	}
	if !bytes.Contains(stderr.Bytes(), []byte("run the same command again to resume")) {
		t.Errorf("stderr does not say how to resume:\n%s", stderr.String())
	}
	interrupted := srv.Stats()
	h.run("resumed run", out)
	// Ctrl-C lets the requests in flight finish and saves them: nothing is
	// paid for twice.
	if r := srv.Stats().RepeatedBodies; r != 0 {
		t.Errorf("resume after Ctrl-C repeated %d requests, want 0", r)
	}
	if srv.Stats().Succeeded == interrupted.Succeeded {
		t.Error("nothing was left to do after the interrupt; interrupt came too late")
	}
}
