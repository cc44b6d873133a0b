package report

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
)

// chromium finds a Chromium binary. Without one the test fails when the
// CI variable is set and is skipped otherwise.
func chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if ci, ok := os.LookupEnv("CI"); ok {
		t.Fatalf("CI=%s and no Chromium found on PATH (install Debian's chromium package)", ci)
	}
	t.Skip("no Chromium on PATH; install Debian's chromium package (this test fails instead of skipping when CI is set)")
	return ""
}

// browser is a headless Chromium tab. It records console errors and
// warnings, uncaught exceptions, browser log errors, dialogs, and every
// request that is not for a file: or data: URL.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

func newBrowser(t testing.TB) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	b := &browser{ctx: ctx}
	var wg sync.WaitGroup
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc(); wg.Wait() })

	// Subscribe before the first navigation, so that nothing is missed.
	messages := chromedp.Console(ctx)
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	dialogs := chromedp.Events(ctx, cdppage.JavascriptDialogOpening)
	wg.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			switch m.Type {
			case chromedp.ConsoleError, chromedp.ConsoleWarning, chromedp.ConsoleException:
				b.report(fmt.Sprintf("console %s at %s:%d", m, m.URL, m.Line+1))
			}
		}
	})
	wg.Go(func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			if u := ev.Request.URL; !strings.HasPrefix(u, "file:") && !strings.HasPrefix(u, "data:") {
				b.report("network request: " + u)
			}
		}
	})
	wg.Go(func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.report("dialog opened: " + ev.Message)
			chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	return b
}

func (b *browser) report(problem string) {
	b.mu.Lock()
	b.problems = append(b.problems, problem)
	b.mu.Unlock()
}

// open writes the page for the testdata runs with load and navigates to it.
func (b *browser) open(t *testing.T, load LoadOptions) *Comparison {
	t.Helper()
	c, runs := fixture(t, load)
	_, path, err := WriteFiles(filepath.Join(t.TempDir(), "report"), c, runs, HTMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b.ctx, chromedp.Navigate("file://"+path), chromedp.WaitReady(chromedp.CSS("#p-summary"))); err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return c
}

// evalJS evaluates js in the page and decodes its value into out.
func evalJS[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// filter sets the browser's selects and fires their change events.
func (b *browser) filter(t *testing.T, run, task, verdict string) {
	t.Helper()
	evalJS[chromedp.Void](t, b, fmt.Sprintf(`(function () {
		function set(id, v) { var s = document.getElementById(id); s.value = v; s.dispatchEvent(new Event("change")); }
		set("f-run", %q); set("f-task", %q); set("f-verdict", %q);
	}())`, run, task, verdict))
}

// checkClean fails the test for every problem the page had. Console
// messages arrive asynchronously: a round trip to the page first lets the
// queued ones be read.
func (b *browser) checkClean(t *testing.T) {
	t.Helper()
	evalJS[chromedp.Void](t, b, "0")
	time.Sleep(100 * time.Millisecond)
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Error(p)
	}
}

func TestHTMLInBrowser(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	c := b.open(t, DefaultLoadOptions())

	// The comparison table shows the right numbers.
	table := evalJS[[][]string](t, b, `Array.from(document.querySelectorAll("#comparison tbody tr")).map(function (tr) {
		return Array.from(tr.cells).map(function (td) { return td.textContent; });
	})`)
	want := [][]string{
		{"llama-3-8b-instruct (baseline)", "greedy", "60.0", "50.0", "55.0", "30.0", "–", "40.0", "35.0"},
		{"llama-3-8b-regenesis", "greedy", "60.0 (±0.0)", "70.0 (+20.0)", "65.0 (+10.0)", "20.0 (-10.0)", "45.0", "50.0 (+10.0)", "38.3 (±0.0)"},
		{"llama-3-8b-regenesis (maj@3)", "maj@3", "–", "80.0 (+30.0)", "80.0 (+30.0)", "–", "–", "60.0 (+20.0)", "60.0 (+20.0)"},
	}
	if diff := cmp.Diff(want, table); diff != "" {
		t.Errorf("comparison table (-want +got):\n%s", diff)
	}

	// One accuracy chart per task, one change chart per non-baseline run,
	// and the bars are as wide as the accuracies say (300 units = 100%).
	type chartCounts struct {
		Acc, Delta int
		GSM8K      []float64
	}
	charts := evalJS[chartCounts](t, b, `(function () {
		var figs = document.querySelectorAll("#acc-charts figure");
		var gsm = Array.from(figs).filter(function (f) { return f.querySelector("figcaption").textContent.indexOf("gsm8k") === 0; })[0];
		return {
			Acc: figs.length,
			Delta: document.querySelectorAll("#delta-charts figure").length,
			GSM8K: Array.from(gsm.querySelectorAll("rect")).map(function (r) { return r.width.baseVal.value; })
		};
	}())`)
	if charts.Acc != len(c.Columns) || charts.Delta != 2 {
		t.Errorf("%d accuracy and %d change charts, want %d and 2", charts.Acc, charts.Delta, len(c.Columns))
	}
	if diff := cmp.Diff([]float64{150, 210, 240}, charts.GSM8K); diff != "" {
		t.Errorf("gsm8k bar widths (-want +got):\n%s", diff)
	}

	// The predictions browser filters by run, task and verdict.
	b.filter(t, "1", "svamp", "wrong")
	type listing struct {
		Summary string
		IDs     []string
	}
	list := evalJS[listing](t, b, `({
		Summary: document.getElementById("p-summary").textContent,
		IDs: Array.from(document.querySelectorAll("#p-list tbody tr td:first-child")).map(function (td) { return td.textContent; })
	})`)
	if diff := cmp.Diff([]string{"svamp-6", "svamp-7", "svamp-8", "svamp-9"}, list.IDs); diff != "" {
		t.Errorf("wrong svamp predictions of run 1 (-want +got):\n%s", diff)
	}
	if list.Summary != "Showing 4 of 4 predictions." {
		t.Errorf("summary %q", list.Summary)
	}

	// Clicking a row shows the full generation, as text, never as markup.
	type shown struct {
		Hidden     bool
		Generation string
		Bold       int
	}
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS("#p-list tbody tr:last-child"))); err != nil {
		t.Fatal(err)
	}
	detail := evalJS[shown](t, b, `({
		Hidden: document.getElementById("p-detail").hidden,
		Generation: document.querySelector("#d-samples pre").textContent,
		Bold: document.querySelectorAll("#p-detail b").length
	})`)
	wantGen := `<script>alert('x')</script></script><b>bold</b> & {{.}} \boxed{109}`
	if detail.Hidden || detail.Generation != wantGen || detail.Bold != 0 {
		t.Errorf("detail hidden=%v generation=%q bold elements=%d; want shown, %q, 0", detail.Hidden, detail.Generation, detail.Bold, wantGen)
	}
	b.checkClean(t)
}

func TestHTMLInBrowserSaysWhenCapped(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	b.open(t, LoadOptions{MaxPredictions: 3})
	b.filter(t, "1", "bbh", "")
	type capped struct {
		Summary string
		Rows    int
		Note    string
	}
	got := evalJS[capped](t, b, `({
		Summary: document.getElementById("p-summary").textContent,
		Rows: document.querySelectorAll("#p-list tbody tr").length,
		Note: document.getElementById("p-cap").textContent
	})`)
	// bbh: 9 correct, 1 no answer, 10 wrong; 3 + 1 + 3 kept.
	if got.Rows != 7 || got.Summary != "Showing 7 of 20 predictions (capped; see the note above)." {
		t.Errorf("rows %d, summary %q", got.Rows, got.Summary)
	}
	if !strings.Contains(got.Note, "at most the first 3 predictions of each task and verdict") {
		t.Errorf("cap note %q", got.Note)
	}
	b.checkClean(t)
}
