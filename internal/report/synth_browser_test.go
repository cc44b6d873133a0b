package report

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/synth"
)

// questionsWhere lists, in file order, the IDs of dir's questions that have
// a candidate for which match is true (the page's filter semantics).
func questionsWhere(t *testing.T, dir string, match func(method.Candidate) bool) []string {
	t.Helper()
	var ids []string
	for g, err := range rundir.GroupCandidates(context.Background(), filepath.Join(dir, rundir.CandidatesFile)) {
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(g.Candidates, match) {
			ids = append(ids, g.Key.QuestionID)
		}
	}
	return ids
}

// setFilters sets the question browser's controls (id -> value) and fires
// their events; every control not named is reset.
func (b *browser) setFilters(t *testing.T, values map[string]string) {
	t.Helper()
	js := `(function () {
		function set(id, v) { var s = document.getElementById(id); s.value = v; s.dispatchEvent(new Event(id === "f-search" ? "input" : "change")); }
		["f-run", "f-task", "f-verdict", "f-kept", "f-hinted", "f-guideline", "f-reason", "f-search"].forEach(function (id) { set(id, ""); });`
	for _, id := range []string{"f-run", "f-task", "f-verdict", "f-kept", "f-hinted", "f-guideline", "f-reason", "f-search"} {
		if v, ok := values[id]; ok {
			js += fmt.Sprintf("set(%q, %q);", id, v)
		}
	}
	evalJS[chromedp.Void](t, b, js+"}())")
}

// listedIDs pages through the whole filtered list and returns its IDs.
func (b *browser) listedIDs(t *testing.T) []string {
	t.Helper()
	var ids []string
	for range 100 {
		page := evalJS[[]string](t, b, `Array.from(document.querySelectorAll("#q-list tbody tr")).map(function (tr) { return tr.cells[2].textContent; })`)
		ids = append(ids, page...)
		if evalJS[bool](t, b, `document.getElementById("p-next").disabled`) {
			return ids
		}
		evalJS[chromedp.Void](t, b, `document.getElementById("p-next").click()`)
	}
	t.Fatal("more than 100 pages")
	return nil
}

func TestSynthHTMLInBrowser(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	root := t.TempDir()
	dirA, dirB := filepath.Join(root, "regenesis"), filepath.Join(root, "star")
	mA, mB := genRun(t, dirA, 120), genRun(t, dirB, 30)
	files, _, err := WriteSynth(context.Background(), filepath.Join(root, "page", "synthesis"),
		SynthOptions{Dirs: []string{dirA, dirB}, Labels: []string{"regenesis", "star"}, ChunkBytes: 20000, IndexRows: 50})
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b.ctx, chromedp.Navigate("file://"+files.HTML), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`))); err != nil {
		t.Fatalf("open %s: %v", files.HTML, err)
	}

	// The summary shows the manifests' numbers.
	summary := evalJS[map[string][]string](t, b, `(function () {
		var out = {};
		document.querySelectorAll("#summary tbody tr").forEach(function (tr) {
			out[tr.dataset.key] = Array.from(tr.cells).slice(1).map(function (td) { return td.textContent; });
		});
		return out;
	}())`)
	perKept := func(v int64, m *synth.Manifest) string {
		return strconv.FormatFloat(float64(v)/float64(m.Counts.Kept), 'f', 1, 64)
	}
	for _, tt := range []struct {
		key  string
		want func(m *synth.Manifest) string
	}{
		{"questions", func(m *synth.Manifest) string { return strconv.Itoa(m.Counts.Questions) }},
		{"with_path", func(m *synth.Manifest) string {
			return fmt.Sprintf("%d (%s)", m.Counts.QuestionsWithPath, share(m.Counts.QuestionsWithPath, m.Counts.Questions))
		}},
		{"candidates", func(m *synth.Manifest) string { return strconv.Itoa(m.Counts.Candidates) }},
		{"kept", func(m *synth.Manifest) string {
			return fmt.Sprintf("%d (%.1f%%)", m.Counts.Kept, 100*m.Counts.KeptRate)
		}},
		{"hinted", func(m *synth.Manifest) string {
			return fmt.Sprintf("%d (%s)", m.Counts.KeptHinted, share(m.Counts.KeptHinted, m.Counts.Kept))
		}},
		{"requests", func(m *synth.Manifest) string { return strconv.FormatInt(m.Run.Usage.Requests, 10) }},
		{"requests_per_kept", func(m *synth.Manifest) string { return perKept(m.Run.Usage.Requests, m) }},
		{"tokens_per_kept", func(m *synth.Manifest) string {
			u := m.Run.Usage
			return perKept(u.PromptTokens+u.CompletionTokens+u.CachedPromptTokens+u.CachedCompletionTokens, m)
		}},
		{"method", func(m *synth.Manifest) string { return m.Method }},
	} {
		want := []string{tt.want(mA), tt.want(mB)}
		if diff := cmp.Diff(want, summary[tt.key]); diff != "" {
			t.Errorf("summary row %s (-want +got):\n%s", tt.key, diff)
		}
	}
	if got := summary["questions"]; len(got) != 2 || got[0] != "120" || got[1] != "30" {
		t.Errorf("questions row %v, want [120 30]", got)
	}

	// Drop reasons table equals the manifests' counts.
	dropped := evalJS[map[string][]string](t, b, `(function () {
		var out = {};
		document.querySelectorAll("#dropped tbody tr").forEach(function (tr) {
			out[tr.dataset.key] = Array.from(tr.cells).slice(1).map(function (td) { return td.textContent; });
		});
		return out;
	}())`)
	for reason, n := range mA.Counts.Dropped {
		if want := []string{strconv.Itoa(n), strconv.Itoa(mB.Counts.Dropped[reason])}; !slices.Equal(dropped[reason], want) {
			t.Errorf("dropped %s: %v, want %v", reason, dropped[reason], want)
		}
	}

	// Charts side by side: one per run in each section, and the kept-paths
	// chart's bars add up to the questions.
	type chartInfo struct {
		Sections map[string]int
		Kept     []int
	}
	charts := evalJS[chartInfo](t, b, `(function () {
		var s = {};
		["guideline-charts", "drop-charts", "kept-charts", "length-charts"].forEach(function (id) {
			s[id] = document.querySelectorAll("#" + id + " figure").length;
		});
		var kept = Array.from(document.querySelectorAll("#kept-charts figure")).map(function (f) {
			return Array.from(f.querySelectorAll("text.value")).reduce(function (a, t) { return a + Number(t.textContent); }, 0);
		});
		return {Sections: s, Kept: kept};
	}())`)
	if diff := cmp.Diff(chartInfo{Sections: map[string]int{"guideline-charts": 2, "drop-charts": 2, "kept-charts": 2, "length-charts": 2}, Kept: []int{120, 30}}, charts); diff != "" {
		t.Errorf("charts (-want +got):\n%s", diff)
	}

	// The list is paged: 50 of 150 questions first, and all of them in order.
	if got := evalJS[string](t, b, `document.getElementById("q-summary").textContent`); got != "Questions 1–50 of 150 matching (of 150), page 1 of 3." {
		t.Errorf("summary %q", got)
	}
	all := append(questionsWhere(t, dirA, func(method.Candidate) bool { return true }), questionsWhere(t, dirB, func(method.Candidate) bool { return true })...)
	if diff := cmp.Diff(all, b.listedIDs(t)); diff != "" {
		t.Errorf("all questions (-want +got):\n%s", diff)
	}

	// The list names the verdicts among a question's candidates (svamp-5: a
	// wrong path, a failed stage, a hinted kept path).
	b.setFilters(t, map[string]string{"f-run": "0", "f-search": "svamp-5"})
	if got := evalJS[[]string](t, b, `Array.from(document.querySelectorAll("#q-list tbody tr")[0].cells).map(function (td) { return td.textContent; })`); !cmp.Equal(got[5:], []string{"correct, wrong, unchecked", "4", "2", "1"}) {
		t.Errorf("svamp-5 listed as %v", got)
	}

	// Filters, each checked against the candidates file.
	for _, tt := range []struct {
		name   string
		values map[string]string
		match  func(c method.Candidate) bool
	}{
		{"task", map[string]string{"f-run": "0", "f-task": "svamp"}, func(c method.Candidate) bool { return c.Task == "svamp" }},
		{"verdict", map[string]string{"f-run": "0", "f-verdict": "unchecked"}, func(c method.Candidate) bool { return c.Verdict == "unchecked" }},
		{"hinted kept", map[string]string{"f-run": "0", "f-hinted": "kept"}, func(c method.Candidate) bool { return c.Hinted && c.Kept }},
		{"guideline and reason", map[string]string{"f-run": "0", "f-guideline": "critical", "f-reason": "wrong_answer"}, nil},
		{"search", map[string]string{"f-run": "0", "f-search": "ZEBRA17"}, nil},
	} {
		b.setFilters(t, tt.values)
		var want []string
		switch tt.name {
		case "guideline and reason":
			g := questionsWhere(t, dirA, func(c method.Candidate) bool { return slices.Contains(c.GuidelineIDs, "critical") })
			for _, id := range questionsWhere(t, dirA, func(c method.Candidate) bool { return c.Reason == "wrong_answer" }) {
				if slices.Contains(g, id) {
					want = append(want, id)
				}
			}
		case "search":
			// zebra17 is in question 17's prompt only, and its prompt is known
			// because it has a kept path.
			want = []string{"svamp-17"}
		default:
			want = questionsWhere(t, dirA, tt.match)
		}
		if len(want) == 0 {
			t.Fatalf("%s: the fixture has no matching question", tt.name)
		}
		if diff := cmp.Diff(want, b.listedIDs(t)); diff != "" {
			t.Errorf("filter %s (-want +got):\n%s", tt.name, diff)
		}
	}
	b.setFilters(t, map[string]string{"f-run": "0", "f-kept": "no"})
	noKept := questionsWhere(t, dirA, func(c method.Candidate) bool { return c.Kept })
	got := b.listedIDs(t)
	for _, id := range got {
		if slices.Contains(noKept, id) {
			t.Errorf("kept=no lists %s, which has a kept path", id)
		}
	}
	if len(got) != mA.Counts.Questions-mA.Counts.QuestionsWithPath {
		t.Errorf("kept=no lists %d questions, manifest says %d without a path", len(got), mA.Counts.Questions-mA.Counts.QuestionsWithPath)
	}

	// A question's candidates render as rows with their verdicts; the
	// injected payload stays text.
	b.setFilters(t, map[string]string{"f-run": "0", "f-search": "gsm8k-1"})
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`#q-list tbody tr[data-id="gsm8k-1"]`)), chromedp.WaitVisible(chromedp.CSS("#q-detail"))); err != nil {
		t.Fatal(err)
	}
	type detail struct {
		Rows       [][]string
		Kept       []bool
		Path       string
		Label      string
		Prompt     string
		Injected   int
		Stylesheet int
	}
	d := evalJS[detail](t, b, `(function () {
		var rows = Array.from(document.querySelectorAll("#q-chains tbody tr"));
		return {
			Rows: rows.map(function (tr) { return [tr.cells[0].textContent, tr.cells[2].textContent, tr.cells[6].textContent, tr.cells[7].textContent, tr.cells[8].textContent, tr.cells[9].textContent, tr.cells[10].textContent]; }),
			Kept: rows.map(function (tr) { return tr.classList.contains("kept"); }),
			Path: rows[0].cells[5].textContent,
			Label: document.getElementById("d-label").textContent,
			Prompt: document.getElementById("d-prompt").textContent,
			Injected: document.querySelectorAll("#q-detail b, #q-detail img, #q-detail style, #q-detail script").length,
			Stylesheet: document.styleSheets.length
		};
	}())`)
	var want [][]string
	var wantKept []bool
	for g, err := range rundir.GroupCandidates(context.Background(), filepath.Join(dirA, rundir.CandidatesFile)) {
		if err != nil {
			t.Fatal(err)
		}
		if g.Key.QuestionID != "gsm8k-1" {
			continue
		}
		for _, c := range g.Candidates {
			mark, extracted := "", c.Extracted
			if c.Kept {
				mark = "✓ kept"
			}
			if extracted == "" {
				extracted = "(none)"
			}
			tokens := ""
			if c.CompletionTokens > 0 {
				tokens = strconv.FormatInt(c.CompletionTokens, 10)
			}
			want = append(want, []string{strconv.Itoa(c.Index), joinOr(c.GuidelineIDs), extracted, string(c.Verdict), c.Reason, mark, tokens})
			wantKept = append(wantKept, c.Kept)
		}
	}
	if diff := cmp.Diff(want, d.Rows); diff != "" {
		t.Errorf("chains of gsm8k-1 (-want +got):\n%s", diff)
	}
	if !slices.Equal(wantKept, d.Kept) || d.Path != payload || d.Label != "1" || d.Injected != 0 || d.Stylesheet != 1 {
		t.Errorf("detail: kept %v path %q label %q, %d injected elements, %d style sheets", d.Kept, d.Path, d.Label, d.Injected, d.Stylesheet)
	}

	// The address names the open question, and opens it again.
	hash := evalJS[string](t, b, `location.hash`)
	if hash != "#q=0:gsm8k-1" {
		t.Errorf("address hash %q, want #q=0:gsm8k-1", hash)
	}
	if err := chromedp.Do(b.ctx, chromedp.Navigate("file://"+files.HTML+"#q=1:svamp-5"), chromedp.Reload(), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)), chromedp.WaitVisible(chromedp.CSS("#q-detail"))); err != nil {
		t.Fatal(err)
	}
	if got := evalJS[[]string](t, b, `[document.getElementById("d-run").textContent, document.getElementById("d-id").textContent]`); !cmp.Equal(got, []string{"star", "svamp-5"}) {
		t.Errorf("#q=1:svamp-5 opened %v", got)
	}

	// A long path is collapsed, and opens to the whole text.
	b.setFilters(t, map[string]string{"f-run": "0", "f-search": "gsm8k-7"})
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`#q-list tbody tr[data-id="gsm8k-7"]`)), chromedp.WaitVisible(chromedp.CSS("#q-detail"))); err != nil {
		t.Fatal(err)
	}
	type long struct {
		Open   bool
		Length int
	}
	l := evalJS[long](t, b, `(function () {
		var d = document.querySelector("#q-chains tbody tr td:nth-child(6) details");
		return d ? {Open: d.open, Length: d.querySelector("pre").textContent.length} : {Open: true, Length: 0};
	}())`)
	if l.Open || l.Length < 4000 {
		t.Errorf("long path: open %v, %d characters; want collapsed with the whole text", l.Open, l.Length)
	}
	b.checkClean(t)
}

func joinOr(ids []string) string {
	if len(ids) == 0 {
		return "–"
	}
	s := ids[0]
	for _, id := range ids[1:] {
		s += ", " + id
	}
	return s
}

// BenchmarkSynthPageOpen100k opens the page of a 100,000-question run in
// headless Chromium and reports the time until the question list is ready
// and the time to open one question's candidates.
func BenchmarkSynthPageOpen100k(b *testing.B) {
	root := b.TempDir()
	dir := filepath.Join(root, "run")
	genRun(b, dir, 100000)
	files, _, err := WriteSynth(context.Background(), filepath.Join(root, "page"), SynthOptions{Dirs: []string{dir}})
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	entries, err := os.ReadDir(files.DataDir)
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			b.Fatal(err)
		}
		size += info.Size()
	}
	br := newBrowser(b)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if err := chromedp.Do(br.ctx, chromedp.Navigate("file://"+files.HTML), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`))); err != nil {
			b.Fatal(err)
		}
		ready := time.Since(start)
		start = time.Now()
		if err := chromedp.Do(br.ctx, chromedp.Click(chromedp.CSS(`#q-list tbody tr:nth-child(3)`)), chromedp.WaitVisible(chromedp.CSS("#q-detail"))); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(mb(size), "MB-data")
		b.ReportMetric(float64(len(entries)), "data-files")
		b.ReportMetric(float64(ready.Milliseconds()), "ms-to-list")
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-to-question")
	}
}

// TestSynthHTMLWithoutItsFolder opens a page whose data folder was not
// kept next to it: the page says what is missing instead of failing silently.
func TestSynthHTMLWithoutItsFolder(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	root := t.TempDir()
	genRun(t, filepath.Join(root, "run"), 3)
	files, _, err := WriteSynth(context.Background(), filepath.Join(root, "rep"), SynthOptions{Dirs: []string{filepath.Join(root, "run")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(files.DataDir); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b.ctx, chromedp.Navigate("file://"+files.HTML), chromedp.WaitVisible(chromedp.CSS("#q-error"))); err != nil {
		t.Fatal(err)
	}
	want := "Could not load rep_files/r0-index-00000.js: keep the folder rep_files next to this page."
	if got := evalJS[string](t, b, `document.getElementById("q-error").textContent`); got != want {
		t.Errorf("error %q, want %q", got, want)
	}
}
