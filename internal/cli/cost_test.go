package cli

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/synth"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// gsm8kKey returns the answer key of the first n GSM8K training questions.
func gsm8kKey(t *testing.T, data string, n int) []simserver.Entry {
	t.Helper()
	return gsm8kSplitKey(t, data, "train", n)
}

// gsm8kTestKey returns the answer key of the first n GSM8K test questions.
func gsm8kTestKey(t *testing.T, data string, n int) []simserver.Entry {
	t.Helper()
	return gsm8kSplitKey(t, data, "test", n)
}

func gsm8kSplitKey(t *testing.T, data, split string, n int) []simserver.Entry {
	t.Helper()
	tk, err := task.NewRegistry(data).Get("gsm8k")
	if err != nil {
		t.Fatal(err)
	}
	var key []simserver.Entry
	for ex, err := range tk.Examples(t.Context(), split) {
		if err != nil {
			t.Fatal(err)
		}
		key = append(key, simserver.EntryFor(ex))
		if len(key) == n {
			break
		}
	}
	return key
}

// TestSynthesizeCost: the manifest prices the run's tokens by the flags'
// prices, the closing line and the progress display show the money, and a
// self-hosted server without prices costs $0.
func TestSynthesizeCost(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	data := sharedDataDir(t)
	srv := simserver.New(simserver.Config{Seed: 5, Accuracy: 0.7}, gsm8kKey(t, data, 3))
	ts := httptest.NewServer(srv)
	defer ts.Close()
	tests := []struct {
		name    string
		flags   []string
		basis   cost.Basis
		in, out float64
	}{
		{"flags", []string{"--price-in", "2", "--price-out", "8"}, cost.BasisFlags, 2, 8},
		{"self-hosted", nil, cost.BasisSelfHosted, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"synthesize", "--data-dir", data, "--no-download", "--task", "gsm8k", "--limit", "3",
				"--method", "star", "--samples", "4", "--model", srv.Model(), "--base-url", ts.URL, "--out", out}, tt.flags...)
			var stdout, stderr bytes.Buffer
			if code := Main(args, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
			}
			raw, err := os.ReadFile(filepath.Join(out, rundir.ManifestFile))
			if err != nil {
				t.Fatal(err)
			}
			var man synth.Manifest
			if err := json.Unmarshal(raw, &man); err != nil {
				t.Fatal(err)
			}
			m := man.Cost.Money
			if m == nil || m.Total == nil {
				t.Fatalf("manifest has no money: %s", raw)
			}
			want := (float64(man.Cost.PromptTokens)*tt.in + float64(man.Cost.CompletionTokens)*tt.out) / 1e6
			if m.Pricing.Basis != tt.basis || math.Abs(*m.Total-want) > 1e-12 || m.Currency != "USD" {
				t.Errorf("money %+v total %v, want basis %s total %v", m, *m.Total, tt.basis, want)
			}
			if man.Counts.Kept > 0 && (m.PerKeptPath == nil || math.Abs(*m.PerKeptPath-want/float64(man.Counts.Kept)) > 1e-12) {
				t.Errorf("per kept path %v, want %v", m.PerKeptPath, want/float64(man.Counts.Kept))
			}
			if !strings.Contains(stdout.String(), "cost "+cost.FormatDollars(want)) {
				t.Errorf("closing line %q lacks the cost %s", stdout.String(), cost.FormatDollars(want))
			}
			if !strings.Contains(stderr.String(), " spent") || !strings.Contains(stderr.String(), "price: ") {
				t.Errorf("stderr lacks the price and the money spent:\n%s", stderr.String())
			}
		})
	}
}

func TestPriceFlagErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "prices.yaml")
	os.WriteFile(bad, []byte("providers:\n  - name: x\n    models:\n      m: {input: -1, output: 1}\n"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--price-in", "-1"}, "--price-in -1"},
		{[]string{"--price-out", "-0.5"}, "--price-out -0.5"},
		{[]string{"--price-file", bad}, bad},
	}
	for _, tt := range tests {
		cmd, _ := newLLMFlagsCmd(t, filepath.Join(t.TempDir(), "s.db"), func(*llmSession) error { return nil })
		cmd.SetArgs(append([]string{"--model", "m", "--base-url", "http://127.0.0.1:1"}, tt.args...))
		if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want one naming %q", tt.args, err, tt.want)
		}
	}
}
