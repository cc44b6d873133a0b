package report

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/compare"
	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/synth"
)

// payload is model text that would be markup if the page ever used it as HTML.
const payload = `<script>alert('x')</script></script><b>bold</b><img src=x onerror=alert(1)><style>@import url(http://example.com/x.css);</style> & {{.}} $\frac{a}{b}$ \boxed{7}`

var synthGuidelines = []string{"decompose", "verify", "analogy", "critical"}

// genRun writes a synthesis directory of n questions, four candidates
// each, with a manifest whose counts match what it wrote, and returns the
// manifest. Question 1's first path is the injection payload; every
// fifth question has a hinted candidate; long paths appear every seventh.
func genRun(t testing.TB, dir string, n int) *synth.Manifest {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cf, err := os.Create(filepath.Join(dir, rundir.CandidatesFile))
	if err != nil {
		t.Fatal(err)
	}
	sf, err := os.Create(filepath.Join(dir, rundir.SFTFile))
	if err != nil {
		t.Fatal(err)
	}
	cw, sw := bufio.NewWriter(cf), bufio.NewWriter(sf)
	cenc, senc := json.NewEncoder(cw), json.NewEncoder(sw)
	m := &synth.Manifest{
		Version: "test", Method: "regenesis", Task: "gsm8k", Split: "train", Model: "sim",
		Guidelines: synthGuidelines,
		Counts:     synth.Counts{Calls: map[string]int{}, Verdicts: map[string]int{}, Dropped: map[string]int{}},
	}
	for i := range n {
		task := "gsm8k"
		if i%3 == 2 {
			task = "svamp"
		}
		qid := fmt.Sprintf("%s-%d", task, i)
		gold := fmt.Sprint(i % 97)
		question := fmt.Sprintf("Question %d: what is %d + 0? Mention the word zebra%d.", i, i%97, i)
		kept, hintedKept := 0, 0
		for j := range 4 {
			c := method.Candidate{
				Task: task, QuestionID: qid, Method: "regenesis", Index: j, Round: "main",
				GuidelineIDs:      []string{synthGuidelines[(i+j)%4]},
				AdaptedGuidelines: fmt.Sprintf("1. Adapted %s for question %d.", synthGuidelines[(i+j)%4], i),
				Structure:         "1. Read.\n2. Add.\n3. Answer.",
				Path:              fmt.Sprintf("We add %d and 0.\nSo the answer is $%d$.\n\\boxed{%d}", i%97, i%97, i%97),
				FinishReason:      "stop", CompletionTokens: 20, Extracted: gold, Label: gold, Verdict: "correct", Kept: true,
			}
			if j == 0 && i%2 == 1 {
				c.GuidelineIDs = append(c.GuidelineIDs, synthGuidelines[(i+2)%4])
			}
			switch (i + j) % 5 {
			case 1:
				c.Extracted, c.Verdict, c.Kept, c.Reason = "999", "wrong", false, method.ReasonWrongAnswer
				c.Path = "It is 999.\n\\boxed{999}"
			case 3:
				if j == 3 {
					c.Path, c.Extracted, c.Verdict, c.Kept, c.Reason = "", "", "unchecked", false, "stage_failed: path: server said 500"
				}
			}
			if i%5 == 0 && j == 2 {
				c.Round, c.Hinted = "hint", true
			}
			if i%7 == 0 && j == 0 {
				c.Path = strings.Repeat("A long line of reasoning that goes on. ", 120) + "\\boxed{" + gold + "}"
			}
			if i == 1 && j == 0 {
				c.Path = payload
				c.AdaptedGuidelines = payload
			}
			if err := cenc.Encode(c); err != nil {
				t.Fatal(err)
			}
			m.Counts.Candidates++
			m.Counts.Verdicts[string(c.Verdict)]++
			if !c.Kept {
				m.Counts.Dropped[reasonKeyForTest(c.Reason)]++
				continue
			}
			kept++
			if c.Hinted {
				hintedKept++
			}
			rec := rundir.Record{Meta: rundir.Meta{Task: task, QuestionID: qid, Method: "regenesis", GuidelineIDs: c.GuidelineIDs, Hinted: c.Hinted},
				Messages: []llm.Message{{Role: "user", Content: "Solve step by step.\n\n" + question}, {Role: "assistant", Content: c.Path}}}
			if err := senc.Encode(rec); err != nil {
				t.Fatal(err)
			}
		}
		m.Counts.Questions++
		m.Counts.Kept += kept
		m.Counts.KeptHinted += hintedKept
		if kept > 0 {
			m.Counts.QuestionsWithPath++
			if hintedKept == kept {
				m.Counts.RescuedByHint++
			}
		} else {
			m.QuestionsWithoutPath = append(m.QuestionsWithoutPath, qid)
		}
	}
	m.Counts.KeptRate = float64(m.Counts.Kept) / float64(max(1, m.Counts.Candidates))
	m.Run = synth.RunInfo{WallSeconds: 12.5, Usage: synth.Usage{
		Requests: int64(13 * n), Samples: int64(16 * n), CachedSamples: int64(n),
		PromptTokens: int64(900 * n), CompletionTokens: int64(300 * n), CachedPromptTokens: int64(10 * n), CachedCompletionTokens: int64(5 * n),
	}}
	for _, w := range []*bufio.Writer{cw, sw} {
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []*os.File{cf, sf} {
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, rundir.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return m
}

func reasonKeyForTest(r string) string {
	if strings.HasPrefix(r, "stage_failed: ") {
		parts := strings.SplitN(r, ": ", 3)
		return parts[0] + ": " + parts[1]
	}
	return r
}

func TestDetectKind(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	synthDir := filepath.Join(root, "synth")
	genRun(t, synthDir, 3)
	both := filepath.Join(root, "both")
	genRun(t, both, 1)
	if err := os.WriteFile(filepath.Join(both, "results.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(root, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dirs    []string
		want    Kind
		wantErr string
	}{
		{dirs: []string{synthDir}, want: KindSynthesis},
		{dirs: []string{"testdata/base", "testdata/regenesis"}, want: KindEval},
		{dirs: []string{synthDir, "testdata/base"}, wantErr: synthDir + " holds synthesis results but testdata/base holds evaluation results"},
		{dirs: []string{empty}, wantErr: "neither an evaluation directory (no results.json"},
		{dirs: []string{both}, wantErr: "holds both results.json and candidates.jsonl"},
		{dirs: []string{filepath.Join(root, "missing")}, wantErr: "no such file or directory"},
	}
	for _, tt := range tests {
		got, err := DetectKinds(tt.dirs)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("DetectKinds(%v) = %v, %v; want error containing %q", tt.dirs, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("DetectKinds(%v) = %v, %v; want %v", tt.dirs, got, err, tt.want)
		}
	}
}

// readJS decodes the JSON array of one data file written by jsFile.
func readJS[T any](t *testing.T, path string) []T {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start, end := strings.Index(s, "["), strings.LastIndex(s, "]")
	var out []T
	if err := json.Unmarshal([]byte(s[start:end+1]), &out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

func TestWriteSynthData(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	m := genRun(t, filepath.Join(root, "run"), 40)
	files, runs, err := WriteSynth(context.Background(), filepath.Join(root, "out", "rep.html"),
		SynthOptions{Dirs: []string{filepath.Join(root, "run")}, ChunkBytes: 4000, IndexRows: 15, MaxTextChars: 500})
	if err != nil {
		t.Fatal(err)
	}
	if files.HTML != filepath.Join(root, "out", "rep.html") || files.DataDir != filepath.Join(root, "out", "rep_files") {
		t.Errorf("files %+v", files)
	}
	a := runs[0].Agg
	if a.Questions != m.Counts.Questions || a.Kept != m.Counts.Kept || a.Candidates != m.Counts.Candidates {
		t.Errorf("agg questions/kept/candidates %d/%d/%d, manifest %d/%d/%d", a.Questions, a.Kept, a.Candidates,
			m.Counts.Questions, m.Counts.Kept, m.Counts.Candidates)
	}
	if diff := cmp.Diff(m.Counts.Dropped, a.Dropped); diff != "" {
		t.Errorf("drop reasons (-manifest +agg):\n%s", diff)
	}
	// Guideline yield: every candidate counts once per guideline in its set.
	att := 0
	for _, y := range a.Guidelines {
		att += y.Attempted
	}
	if att != m.Counts.Candidates+20 { // 20 odd questions have a set of two
		t.Errorf("attempted sum %d, want %d", att, m.Counts.Candidates+20)
	}

	// Per round: every fifth question's third candidate is a hinted one,
	// correct and kept.
	if h, m := a.Rounds["hint"], a.Rounds["main"]; h == nil || m == nil || *h != (GuidelineYield{8, 8, 8}) || m.Attempted != 152 || len(a.Rounds) != 2 {
		t.Errorf("rounds %v: hint %+v, main %+v", a.Rounds, h, m)
	}

	// The index rows point at the question in the chunk files, and the
	// files are split as asked: 15 rows an index file, ~4000 bytes a chunk.
	entries, err := os.ReadDir(files.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	var index, chunks []string
	for _, e := range entries {
		if strings.Contains(e.Name(), "-index-") {
			index = append(index, e.Name())
		} else {
			chunks = append(chunks, e.Name())
		}
	}
	if len(index) != 3 || len(chunks) < 5 {
		t.Fatalf("%d index files and %d chunks: %v", len(index), len(chunks), entries)
	}
	var rows []indexRow
	for _, f := range index {
		rows = append(rows, readJS[indexRow](t, filepath.Join(files.DataDir, f))...)
	}
	if len(rows) != 40 {
		t.Fatalf("%d index rows", len(rows))
	}
	for _, i := range []int{0, 1, 7, 39} {
		row := rows[i]
		qs := readJS[questionDetail](t, filepath.Join(files.DataDir, fmt.Sprintf("r0-q-%05d.js", int(row[11].(float64)))))
		d := qs[int(row[12].(float64))]
		if d.ID != row[0] || len(d.Chains) != 4 {
			t.Errorf("row %d: %v points at %s with %d chains", i, row, d.ID, len(d.Chains))
		}
		if i == 7 && !strings.Contains(d.Chains[0].Path, "[truncated:") {
			t.Errorf("question 7's long path not cut to 500 bytes: %d bytes", len(d.Chains[0].Path))
		}
		if i == 1 && d.Chains[0].Path != payload {
			t.Errorf("payload path %q", d.Chains[0].Path)
		}
	}
	if p := readJS[questionDetail](t, filepath.Join(files.DataDir, "r0-q-00000.js"))[0].Prompt; !strings.Contains(p, "Question 0: what is 0 + 0?") {
		t.Errorf("question 0's prompt from sft.jsonl: %q", p)
	}
	// A second build replaces the folder: no stale files, no partial folder.
	if _, _, err := WriteSynth(context.Background(), filepath.Join(root, "out", "rep"), SynthOptions{Dirs: []string{filepath.Join(root, "run")}}); err != nil {
		t.Fatal(err)
	}
	entries, _ = os.ReadDir(files.DataDir)
	if len(entries) != 2 {
		t.Errorf("rebuilt folder holds %d files, want 2", len(entries))
	}
	if _, err := os.Stat(files.DataDir + ".partial"); !os.IsNotExist(err) {
		t.Errorf("partial folder left: %v", err)
	}
}

func TestWriteSynthBadInput(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := filepath.Join(root, "run")
	genRun(t, dir, 3)
	f, err := os.OpenFile(filepath.Join(dir, rundir.CandidatesFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("{\"task\": \"gsm8k\", \"question_id\": 5, \n")
	f.Close()
	_, _, err = WriteSynth(context.Background(), filepath.Join(root, "rep"), SynthOptions{Dirs: []string{dir}})
	if err == nil || !strings.Contains(err.Error(), "candidates.jsonl:13") {
		t.Errorf("error %v; want one naming candidates.jsonl:13", err)
	}
	if _, err := os.Stat(filepath.Join(root, "rep_files.partial")); !os.IsNotExist(err) {
		t.Errorf("partial folder left after a failure: %v", err)
	}
}

func TestSynthHTMLSelfContainedAndEscaped(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := filepath.Join(root, "run")
	genRun(t, dir, 20)
	// Model text reaches the page's data files; a run label reaches the
	// page itself (tables, chart captions, the embedded configuration).
	files, _, err := WriteSynth(context.Background(), filepath.Join(root, "rep"), SynthOptions{Dirs: []string{dir}, Labels: []string{payload}, Title: payload})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(files.HTML)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, bad := range []string{"<script>alert", "<b>bold</b>", "<img", "<link", "<style>@import"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	// The payload's @import is only ever escaped text.
	for i, s := range strings.Split(page, "@import")[1:] {
		before := strings.Split(page, "@import")[i]
		if !strings.HasSuffix(before, "&lt;style&gt;") && !strings.HasSuffix(before, `\u003cstyle\u003e`) {
			t.Errorf("@import not inside escaped text: …%s@import%.20s", before[max(0, len(before)-30):], s)
		}
	}
	for _, s := range strings.Split(page, "http")[1:] {
		if !strings.HasPrefix(s, "://www.w3.org/2000/svg") && !strings.HasPrefix(s, `:\/\/example.com`) && !strings.HasPrefix(s, "://example.com") {
			t.Errorf("page refers to a network address: http%.40s", s)
		}
	}
	if n := strings.Count(page, "<svg "); n != 4 {
		t.Errorf("%d charts, want 4", n)
	}
	entries, err := os.ReadDir(files.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(files.DataDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if i := strings.IndexAny(string(data), "<>&"); i >= 0 {
			t.Errorf("%s holds %q at byte %d: model text must stay escaped JSON", e.Name(), data[i], i)
		}
	}
}

// TestSummaryRowsMoney: the summary shows the manifest's money, "unknown"
// for an unpriced model and "n/a" for a manifest without a money section.
func TestSummaryRowsMoney(t *testing.T) {
	t.Parallel()
	total, per := 0.5, 0.125
	runs := []*SynthRun{
		{Manifest: &synth.Manifest{Cost: synth.Cost{Money: &cost.Money{Pricing: cost.Pricing{Basis: cost.BasisTable}, Total: &total, PerKeptPath: &per}}}},
		{Manifest: &synth.Manifest{Cost: synth.Cost{Money: &cost.Money{Pricing: cost.Pricing{Basis: cost.BasisUnknown}}}}},
		{Manifest: &synth.Manifest{}},
	}
	for _, r := range runs {
		r.Stats = &compare.Stats{}
	}
	want := map[string][]string{
		"money":          {"$0.5000 (table)", "unknown (unknown)", "n/a"},
		"money_per_kept": {"$0.1250", "unknown", "n/a"},
	}
	found := 0
	for _, row := range summaryRows(runs) {
		if w, ok := want[row.Key]; ok {
			found++
			if !slices.Equal(row.Cells, w) {
				t.Errorf("row %s: %q, want %q", row.Key, row.Cells, w)
			}
		}
	}
	if found != len(want) {
		t.Errorf("found %d money rows, want %d", found, len(want))
	}
}
