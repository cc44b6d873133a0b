package export

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"

	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/golden"
	"github.com/regenesis-ai/regenesis/internal/rundir"
)

const synthDir = "testdata/synth"

func TestRunGolden(t *testing.T) {
	tests := []struct {
		format       Format
		golden       string
		examples     int
		datasetInfo  bool
		wantWarnings []string
	}{
		{Messages, "messages.jsonl", 3, false, nil},
		{Alpaca, "alpaca.jsonl", 3, true, nil},
		{ShareGPT, "sharegpt.jsonl", 3, true, nil},
		{OpenAI, "openai.jsonl", 3, false, []string{"3 examples: the OpenAI fine-tuning API requires at least 10"}},
		// s3 has only a hinted kept path and an unhinted wrong one: no pair by default.
		{DPO, "dpo.jsonl", 1, false, nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), tt.golden)
			sum, err := Run(context.Background(), Options{Dir: synthDir, Format: tt.format, Out: out})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Examples != tt.examples {
				t.Errorf("Examples = %d, want %d", sum.Examples, tt.examples)
			}
			if diff := cmp.Diff(tt.wantWarnings, sum.Warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "golden", tt.golden), got)
			if !tt.datasetInfo {
				if sum.DatasetInfo != "" {
					t.Errorf("DatasetInfo = %q, want none", sum.DatasetInfo)
				}
				return
			}
			info, err := os.ReadFile(sum.DatasetInfo)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "golden", string(tt.format)+"_dataset_info.json"), info)
		})
	}
}

func TestRunParquetGolden(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sft.parquet")
	sum, err := Run(context.Background(), Options{Dir: synthDir, Format: Parquet, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Examples != 3 {
		t.Errorf("Examples = %d, want 3", sum.Examples)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := parquet.ReadFile[ParquetRow](out)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString(pf.Schema().String())
	b.WriteString("\n")
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	golden.Check(t, filepath.Join("testdata", "golden", "parquet.txt"), b.Bytes())
}

func TestDefaultOut(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{rundir.SFTFile, rundir.CandidatesFile} {
		b, err := os.ReadFile(filepath.Join(synthDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range Formats() {
		if err := Export(dir, string(f), ""); err != nil {
			t.Fatalf("Export %s: %v", f, err)
		}
	}
	for _, name := range []string{"sft_messages.jsonl", "sft_alpaca.jsonl", "sft_sharegpt.jsonl", "sft_openai.jsonl", "sft.parquet", "dpo.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("default output %s: %v", name, err)
		}
	}
	// Both LLaMA-Factory exports share one dataset_info.json.
	var info map[string]datasetInfoEntry
	b, err := os.ReadFile(filepath.Join(dir, DatasetInfoFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	if info["sft_alpaca"].Formatting != "alpaca" || info["sft_sharegpt"].Formatting != "sharegpt" {
		t.Errorf("dataset_info.json entries = %+v, want sft_alpaca and sft_sharegpt", info)
	}
	if err := Export(dir, "csv", ""); err == nil || !strings.Contains(err.Error(), `unknown export format "csv"`) {
		t.Errorf("Export csv: err = %v, want unknown format", err)
	}
}

func TestDatasetInfoKeepsOtherEntries(t *testing.T) {
	dir := t.TempDir()
	other := `{"alpaca_en_demo": {"file_name": "alpaca_en_demo.json"}, "sft_alpaca": {"file_name": "stale.json"}}`
	if err := os.WriteFile(filepath.Join(dir, DatasetInfoFile), []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), Options{Dir: synthDir, Format: Alpaca, Out: filepath.Join(dir, "sft_alpaca.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	if sum.DatasetName != "sft_alpaca" {
		t.Errorf("DatasetName = %q, want sft_alpaca", sum.DatasetName)
	}
	var info map[string]datasetInfoEntry
	b, err := os.ReadFile(filepath.Join(dir, DatasetInfoFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	want := map[string]datasetInfoEntry{
		"alpaca_en_demo": {FileName: "alpaca_en_demo.json"},
		"sft_alpaca":     datasetEntry("sft_alpaca.jsonl", Alpaca),
	}
	if diff := cmp.Diff(want, info); diff != "" {
		t.Errorf("dataset_info.json (-want +got):\n%s", diff)
	}
}

func TestRunLengthWarning(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.jsonl")
	sum, err := Run(context.Background(), Options{Dir: synthDir, Format: Messages, Out: out, TokenLimit: 30})
	if err != nil {
		t.Fatal(err)
	}
	// Example lengths in approximate tokens: 41, 38 and 39.
	if sum.OverLimit != 3 || sum.LongestTokens != 41 {
		t.Errorf("OverLimit, LongestTokens = %d, %d; want 3, 41", sum.OverLimit, sum.LongestTokens)
	}
	if len(sum.Warnings) != 1 || !strings.HasPrefix(sum.Warnings[0], "3 of 3 examples are longer than ~30 tokens (longest ~41") {
		t.Errorf("warnings = %q", sum.Warnings)
	}
	sum, err = Run(context.Background(), Options{Dir: synthDir, Format: Messages, Out: out, TokenLimit: 40})
	if err != nil {
		t.Fatal(err)
	}
	if sum.OverLimit != 1 || len(sum.Warnings) != 1 {
		t.Errorf("OverLimit = %d, warnings %q at limit 40, want 1 and one warning", sum.OverLimit, sum.Warnings)
	}
	sum, err = Run(context.Background(), Options{Dir: synthDir, Format: Messages, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if sum.OverLimit != 0 || sum.Warnings != nil {
		t.Errorf("OverLimit = %d, warnings %q at the default limit, want none", sum.OverLimit, sum.Warnings)
	}
}

func TestApproxTokens(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 1},
		{"abcd", 1},
		{"abcde", 2},
		{"ÜÜÜÜÜ", 2}, // runes, not bytes
	}
	for _, tt := range tests {
		if got := ApproxTokens(tt.in); got != tt.want {
			t.Errorf("ApproxTokens(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func writeDir(t *testing.T, sft, candidates string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, rundir.SFTFile), []byte(sft), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, rundir.CandidatesFile), []byte(candidates), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRunBadInput(t *testing.T) {
	const good = `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}],"task":"t","question_id":"1"}` + "\n"
	tests := []struct {
		name       string
		format     Format
		sft        string
		candidates string
		want       string
	}{
		{"malformed json", Messages, good + "{\"messages\": [\n", "", "sft.jsonl:2: malformed JSON"},
		{"no messages", ShareGPT, good + good + `{"task":"t"}`, "", `sft.jsonl:3: field "messages": missing or empty`},
		{"bad role", Messages, `{"messages":[{"role":"user","content":"q"},{"role":"model","content":"a"}]}`, "", `sft.jsonl:1: field "messages[1].role": "model" is not system, user or assistant`},
		{"empty content", Parquet, `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"  "}]}`, "", `sft.jsonl:1: field "messages[1].content": empty`},
		{"ends with user", OpenAI, `{"messages":[{"role":"assistant","content":"a"},{"role":"user","content":"q"}]}`, "", `sft.jsonl:1: field "messages[1].role": the last turn is "user", want assistant`},
		{"alpaca multi-turn", Alpaca, good + `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"},{"role":"user","content":"q2"},{"role":"assistant","content":"a2"}]}`, "", `sft.jsonl:2: field "messages": alpaca holds one user and one assistant turn (after an optional system turn), got roles user,assistant,user,assistant`},
		{"candidate without id", DPO, good, `{"task":"t","path":"p"}`, `candidates.jsonl:1: field "question_id": missing or empty`},
		{"candidates not grouped", DPO, good,
			`{"task":"t","question_id":"1","kept":true,"path":"a"}` + "\n" + `{"task":"t","question_id":"2","path":"b"}` + "\n" + `{"task":"t","question_id":"1","path":"c"}`,
			"candidates.jsonl:3: question t/1 appears again after other questions"},
		{"dpo without sft line", DPO, good,
			`{"task":"t","question_id":"9","kept":true,"path":"a"}` + "\n" + `{"task":"t","question_id":"9","verdict":"wrong","path":"b"}`,
			"candidates.jsonl:1: question t/9 has kept paths but no line in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeDir(t, tt.sft, tt.candidates)
			out := filepath.Join(dir, "out", "file")
			_, err := Run(context.Background(), Options{Dir: dir, Format: tt.format, Out: out})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			var le *fileio.LineError
			if !errors.As(err, &le) {
				t.Errorf("err = %T, want a *fileio.LineError in the chain", err)
			}
			entries, _ := os.ReadDir(filepath.Join(dir, "out"))
			for _, e := range entries {
				t.Errorf("left %s behind after a failed export", e.Name())
			}
		})
	}
}

func TestRunMissingDir(t *testing.T) {
	_, err := Run(context.Background(), Options{Dir: filepath.Join(t.TempDir(), "nope"), Format: Messages})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want os.ErrNotExist", err)
	}
}

func TestRunCanceled(t *testing.T) {
	var b strings.Builder
	for range 5000 {
		b.WriteString(`{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}` + "\n")
	}
	dir := writeDir(t, b.String(), "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Options{Dir: dir, Format: Messages}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestPairs(t *testing.T) {
	cands := readGroup(t, `
{"task":"t","question_id":"1","index":0,"kept":true,"verdict":"correct","path":"k0 first kept path"}
{"task":"t","question_id":"1","index":1,"verdict":"wrong","reason":"wrong_answer","path":"w1 adds the two numbers and gets eight apples in all"}
{"task":"t","question_id":"1","index":2,"verdict":"no_answer","reason":"no_answer","path":"n2 never finishes"}
{"task":"t","question_id":"1","index":3,"kept":true,"verdict":"correct","path":"k3 second kept path"}
{"task":"t","question_id":"1","index":5,"verdict":"wrong","path":""}
{"task":"t","question_id":"1","index":6,"verdict":"wrong","reason":"too_long","path":"w6 multiplies instead"}
{"task":"t","question_id":"1","index":7,"verdict":"wrong","reason":"wrong_answer","path":"w7 subtracts instead"}
{"task":"t","question_id":"1","index":8,"verdict":"wrong","reason":"wrong_answer","path":"W1 adds the two numbers, and gets eight apples in all."}
{"task":"t","question_id":"1","index":9,"verdict":"correct","reason":"over_cap","path":"c9 correct but over the cap"}
{"task":"t","question_id":"1","index":10,"round":"hint","hinted":true,"kept":true,"verdict":"correct","path":"h10 hinted kept path"}
{"task":"t","question_id":"1","index":11,"round":"hint","hinted":true,"verdict":"wrong","reason":"wrong_answer","path":"h11 hinted wrong path"}
`)
	tests := []struct {
		name string
		opt  DPOOptions
		want []string
	}{
		// w8 is a near duplicate of w1; unhinted rejected paths cycle
		// through the unhinted kept ones, the hinted one through all.
		{"default", DPOOptions{}, []string{"k0>w1", "k3>w6", "k0>w7", "k0>h11"}},
		{"no answer counts", DPOOptions{NoAnswer: true}, []string{"k0>w1", "k3>n2", "k0>w6", "k3>w7", "k0>h11"}},
		{"duplicates kept", DPOOptions{DedupThreshold: 2}, []string{"k0>w1", "k3>w6", "k0>w7", "k3>W1", "k0>h11"}},
		{"hinted mixed", DPOOptions{MixHinted: true}, []string{"k0>w1", "k3>w6", "h10>w7", "k0>h11"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range Pairs(cands, tt.opt) {
				got = append(got, strings.Fields(p.Chosen.Path)[0]+">"+strings.Fields(p.Rejected.Path)[0])
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("pairs (-want +got):\n%s", diff)
			}
		})
	}
	if p := Pairs(cands[1:3], DPOOptions{}); len(p) != 0 {
		t.Errorf("a question without kept paths gave %d pairs", len(p))
	}
}

func TestRunRefusesToOverwriteInput(t *testing.T) {
	const line = `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}` + "\n"
	dir := writeDir(t, line, "")
	for _, out := range []string{filepath.Join(dir, "sub", "..", rundir.SFTFile), filepath.Join(dir, rundir.CandidatesFile)} {
		_, err := Run(context.Background(), Options{Dir: dir, Format: Messages, Out: out})
		if err == nil || !strings.Contains(err.Error(), "would overwrite the input") {
			t.Errorf("out %s: err = %v, want a refusal", out, err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, rundir.SFTFile)); err != nil || string(b) != line {
		t.Errorf("sft.jsonl = %q, %v; want it untouched", b, err)
	}
}

func TestDPOCleansBothPaths(t *testing.T) {
	const sft = `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"1. a\n\\boxed{7}"}],"task":"t","question_id":"1"}` + "\n"
	const cands = `{"task":"t","question_id":"1","kept":true,"verdict":"correct","path":"Sure! Let me solve it.\n1. a\n\\boxed{7}"}` + "\n" +
		`{"task":"t","question_id":"1","verdict":"wrong","path":"Okay.\n1. b\n\\boxed{8}"}` + "\n"
	dir := writeDir(t, sft, cands)
	if _, err := Run(context.Background(), Options{Dir: dir, Format: DPO}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(DefaultOut(dir, DPO))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"prompt":[{"role":"user","content":"q"}],"chosen":[{"role":"assistant","content":"1. a\n\\boxed{7}"}],"rejected":[{"role":"assistant","content":"1. b\n\\boxed{8}"}],` +
		`"task":"t","question_id":"1","chosen_guideline_ids":[],"rejected_guideline_ids":[],"chosen_hinted":false,"rejected_hinted":false,"rejected_reason":"wrong"}` + "\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("dpo.jsonl (-want +got):\n%s", diff)
	}
}

func TestRunEmptyWarns(t *testing.T) {
	dir := writeDir(t, "", `{"task":"t","question_id":"1","verdict":"wrong","path":"p"}`)
	for _, tt := range []struct {
		format Format
		want   string
	}{
		{Messages, "no kept paths in " + filepath.Join(dir, rundir.SFTFile) + ": the output is empty"},
		{DPO, "no question with both a kept and a wrong-answer path in " + filepath.Join(dir, rundir.CandidatesFile) + ": the output is empty"},
	} {
		sum, err := Run(context.Background(), Options{Dir: dir, Format: tt.format})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Examples != 0 || len(sum.Warnings) != 1 || sum.Warnings[0] != tt.want {
			t.Errorf("%s: examples %d, warnings %q; want 0 and %q", tt.format, sum.Examples, sum.Warnings, tt.want)
		}
	}
}

func TestRunCustomLineNeedsItsOwnName(t *testing.T) {
	line := func(r rundir.Record) (any, error) { return r.Meta, nil }
	for _, f := range []Format{"", Messages, DPO} {
		_, err := Run(context.Background(), Options{Dir: synthDir, Format: f, Out: filepath.Join(t.TempDir(), "x.jsonl"), Line: line})
		if err == nil || !strings.Contains(err.Error(), "a custom line format needs a name of its own") {
			t.Errorf("format %q: err = %v, want a refusal", f, err)
		}
	}
}

func TestRunNonEmpty(t *testing.T) {
	dir := writeDir(t, "\n", "")
	out := filepath.Join(dir, "out.jsonl")
	if err := os.WriteFile(out, []byte("earlier\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Run(context.Background(), Options{Dir: dir, Format: Messages, Out: out, NonEmpty: true})
	if !errors.Is(err, ErrNoExamples) {
		t.Errorf("err = %v, want ErrNoExamples", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "earlier\n" {
		t.Errorf("out = %q, want the earlier file kept", b)
	}
}
