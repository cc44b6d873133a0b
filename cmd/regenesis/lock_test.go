package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/fileio"
)

// TestOneWriterPerRunDirectory starts a synthesis run, starts a second one
// on the same directory (which must exit non-zero at once, naming the
// holder, and send nothing), SIGKILLs the first, and checks that the next
// run takes the stale lock over with a warning and completes.
func TestOneWriterPerRunDirectory(t *testing.T) {
	t.Parallel()
	h := newSynthHarness(t)
	out := filepath.Join(t.TempDir(), "run")
	first, _ := h.startUntil(out, 20)
	defer func() {
		_ = first.Process.Kill()
		_ = first.Wait()
	}()

	second := h.command(out)
	b, err := second.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("second process on %s: %v, want a non-zero exit\n%s", out, err, b)
	}
	host, _ := os.Hostname()
	want := "is in use by pid " + strconv.Itoa(first.Process.Pid) + " on host " + host
	if !strings.Contains(string(b), want) {
		t.Errorf("second process said %q, want it to name the holder (%q)", b, want)
	}
	// The first run keeps sending; the server's count cannot tell the two
	// apart, so check that the second never showed progress.
	if strings.Contains(string(b), "synthesize regenesis") {
		t.Errorf("the second process started work:\n%s", b)
	}

	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	if _, err := os.Stat(filepath.Join(out, fileio.LockFile)); err != nil {
		t.Fatalf("the killed run left no lock file: %v", err)
	}
	b, err = h.command(out).CombinedOutput()
	if err != nil {
		t.Fatalf("run after the kill: %v\n%s", err, b)
	}
	if !strings.Contains(string(b), "pid "+strconv.Itoa(first.Process.Pid)) || !strings.Contains(string(b), "taking it over") {
		t.Errorf("run after the kill did not warn that it took the stale lock over:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(out, fileio.LockFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("finished run left its lock file: %v", err)
	}
	readOutputs(t, out) // both outputs are there
}
