package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regenesis-ai/regenesis/internal/eval"
	"github.com/regenesis-ai/regenesis/internal/simserver"
)

// TestElasticFleet runs an evaluation against an endpoints file that
// changes during the run: servers join, one disappears while listed and
// is then removed, another leaves gracefully. Every question is answered
// exactly once, the predictions equal a one-server run's, and
// results.json records what each server served, credentials redacted.
func TestElasticFleet(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary and runs it against simulated servers")
	}
	const perTask = 60
	exs := firstOf(t, "gsm8k", "test", perTask)
	start := func() *simserver.Running {
		srv, err := simserver.Start(simserver.Config{Seed: 7, Latency: simserver.Latency{Fixed: 15 * time.Millisecond}}, simserver.Key(exs...))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Close() })
		return srv
	}
	a, b, c := start(), start(), start()
	bin := buildBinary(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "endpoints.txt")
	write := func(srvs ...*simserver.Running) {
		var s strings.Builder
		s.WriteString("# vLLM replicas\n")
		for _, srv := range srvs {
			// Credentials in the file must never reach the outputs.
			s.WriteString(strings.Replace(srv.BaseURL, "http://", "http://user:hunter2@", 1) + "  # replica\n")
		}
		if err := os.WriteFile(file+".tmp", []byte(s.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(file+".tmp", file); err != nil {
			t.Fatal(err)
		}
	}
	args := func(out string, fleet ...string) []string {
		return append([]string{"eval", "--task", "gsm8k", "--limit", strconv.Itoa(perTask), "--concurrency", "4",
			"--server-concurrency", "2", "--model", a.Model(), "--data-dir", dataDir, "--out", out}, fleet...)
	}
	answered := func() int64 { return a.Stats().Succeeded + b.Stats().Succeeded + c.Stats().Succeeded }

	write(a)
	out := filepath.Join(dir, "elastic")
	cmd := exec.Command(bin, args(out, "--endpoints", file, "--endpoints-poll", "5ms")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor := func(n int64) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for answered() < n {
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				t.Fatalf("run stalled at %d answers; stderr:\n%s", answered(), stderr.String())
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor(8)
	write(a, b)
	waitFor(16)
	write(a, b, c)
	waitFor(28)
	// a disappears while listed (its requests fail and move), then the
	// file catches up.
	_ = a.Close()
	write(b, c)
	waitFor(42)
	// b leaves gracefully: what it has in flight finishes there.
	write(c)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("elastic run: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "hunter2") {
		t.Errorf("stderr shows a password:\n%s", stderr.String())
	}
	for _, want := range []string{"server joined", "server left"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
		}
	}

	// Every question exactly once, in input order.
	preds, err := os.ReadFile(filepath.Join(out, eval.PredictionsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(preds, []byte("\n")), []byte("\n"))
	if len(lines) != perTask {
		t.Fatalf("%d predictions, want %d", len(lines), perTask)
	}
	for i, line := range lines {
		var p eval.Prediction
		if err := json.Unmarshal(line, &p); err != nil {
			t.Fatal(err)
		}
		if p.QuestionID != exs[i].ID {
			t.Errorf("prediction %d is of %s, want %s", i, p.QuestionID, exs[i].ID)
		}
	}
	// The same predictions as one server gives.
	single := filepath.Join(dir, "single")
	if b, err := exec.Command(bin, args(single, "--base-url", c.BaseURL)...).CombinedOutput(); err != nil {
		t.Fatalf("one-server run: %v\n%s", err, b)
	}
	want, err := os.ReadFile(filepath.Join(single, eval.PredictionsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, preds) {
		t.Errorf("the elastic run's predictions differ from a one-server run's:\n%s", firstDiff(want, preds))
	}

	res, err := os.ReadFile(filepath.Join(out, eval.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(res, []byte("hunter2")) || bytes.Contains(res, []byte("user:")) {
		t.Errorf("results.json holds credentials:\n%s", res)
	}
	var r struct {
		Servers []struct {
			URL      string `json:"url"`
			Answered int64  `json:"answered"`
			Left     bool   `json:"left"`
		} `json:"servers"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Servers) != 3 {
		t.Fatalf("results.json servers = %+v, want the 3 servers", r.Servers)
	}
	var total int64
	for _, s := range r.Servers {
		total += s.Answered
		isC := strings.Contains(s.URL, strings.TrimPrefix(c.URL, "http://"))
		if s.Answered == 0 || s.Left == isC {
			t.Errorf("server %+v: every server answered; only %s is still in the fleet", s, c.URL)
		}
	}
	if total != perTask {
		t.Errorf("the servers answered %d requests, want one per question (%d)", total, perTask)
	}
}
