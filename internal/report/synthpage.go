package report

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "embed"

	"github.com/regenesis-ai/regenesis/internal/compare"
	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/rundir"
)

//go:embed synth.html.tmpl
var synthTemplate string

// Defaults of SynthOptions.
const (
	// DefaultSynthMaxText bounds each text of a chain (adapted guidelines,
	// structure, path) kept for the page.
	DefaultSynthMaxText = 20000
	// DefaultChunkBytes is the size at which a data file of question
	// details is closed and the next begun.
	DefaultChunkBytes = 1 << 20
	// DefaultIndexRows is the number of questions per index file.
	DefaultIndexRows = 10000
)

// SynthOptions configures WriteSynth.
type SynthOptions struct {
	// Dirs are the synthesis directories, one run each, in this order.
	Dirs []string
	// Labels, when given, name the runs of Dirs in order (empty entries
	// keep the default: the directory's name, numbered when repeated).
	Labels []string
	// Title heads the page; empty means "Synthesis report".
	Title string
	// Now stamps the page; zero means the current time.
	Now time.Time
	// MaxTextChars bounds each text of a chain; zero means
	// DefaultSynthMaxText.
	MaxTextChars int
	// ChunkBytes and IndexRows size the data files; zero means the defaults.
	ChunkBytes int
	IndexRows  int
}

// SynthFiles are the paths WriteSynth wrote.
type SynthFiles struct {
	// Markdown is compare's side-by-side table.
	Markdown string
	// HTML is the page; it reads its question data from DataDir, which
	// must stay next to it (base.html and base_files/).
	HTML    string
	DataDir string
}

// WriteSynth writes the report of synthesis runs: base.md (compare's
// table), base.html (summary, charts and the question browser) and the
// folder base_files with the questions, where base is out without a .md or
// .html extension. It streams each run's candidates.jsonl: memory does not
// grow with the number of questions, which go to the data files in chunks
// that the page loads when a question is opened. The page needs no network.
func WriteSynth(ctx context.Context, out string, opts SynthOptions) (*SynthFiles, []*SynthRun, error) {
	if len(opts.Dirs) == 0 {
		return nil, nil, fmt.Errorf("report: no synthesis directories given")
	}
	if len(opts.Labels) > len(opts.Dirs) {
		return nil, nil, fmt.Errorf("report: %d labels for %d directories", len(opts.Labels), len(opts.Dirs))
	}
	if opts.MaxTextChars <= 0 {
		opts.MaxTextChars = DefaultSynthMaxText
	}
	if opts.ChunkBytes <= 0 {
		opts.ChunkBytes = DefaultChunkBytes
	}
	if opts.IndexRows <= 0 {
		opts.IndexRows = DefaultIndexRows
	}
	base, err := outBase(out)
	if err != nil {
		return nil, nil, err
	}
	files := &SynthFiles{Markdown: base + ".md", HTML: base + ".html", DataDir: base + "_files"}
	// Build the data folder beside the old one and swap it in at the end,
	// so that a failed build leaves the previous report whole.
	tmp := files.DataDir + ".partial"
	if err := os.RemoveAll(tmp); err != nil {
		return nil, nil, fmt.Errorf("report: %w", err)
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, nil, fmt.Errorf("report: %w", err)
	}
	var runs []*SynthRun
	var data []synthPageRun
	for i, dir := range opts.Dirs {
		r, pr, err := streamRun(ctx, dir, i, tmp, opts)
		if err != nil {
			os.RemoveAll(tmp)
			return nil, nil, err
		}
		r.Label = filepath.Base(filepath.Clean(dir))
		if i < len(opts.Labels) && opts.Labels[i] != "" {
			r.Label = opts.Labels[i]
		}
		runs = append(runs, r)
		data = append(data, pr)
	}
	uniqueSynthLabels(runs)
	for i := range data {
		data[i].Label = runs[i].Label
	}
	stats := make([]*compare.Stats, len(runs))
	for i, r := range runs {
		s := *r.Stats
		s.Dir = r.Label
		stats[i] = &s
	}
	if err := fileio.Write(files.Markdown, func(f *fileio.File) error { return compare.WriteMarkdown(f, stats) }); err != nil {
		os.RemoveAll(tmp)
		return nil, nil, err
	}
	dataName := filepath.Base(files.DataDir)
	if err := fileio.Write(files.HTML, func(f *fileio.File) error {
		return synthHTML(f, runs, data, dataName, opts)
	}); err != nil {
		os.RemoveAll(tmp)
		return nil, nil, err
	}
	if err := os.RemoveAll(files.DataDir); err != nil {
		return nil, nil, fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp, files.DataDir); err != nil {
		return nil, nil, fmt.Errorf("report: %w", err)
	}
	return files, runs, nil
}

// synthPageRun is one run in the page's embedded configuration: the names
// the index rows number and the data files to load.
type synthPageRun struct {
	Label      string   `json:"label"`
	Questions  int      `json:"questions"`
	Tasks      []string `json:"tasks"`
	Guidelines []string `json:"guidelines"`
	Reasons    []string `json:"reasons"`
	Index      []string `json:"index"`
	Chunks     []string `json:"chunks"`
	LabelName  string   `json:"label_name"`
}

// streamRun reads one synthesis directory: the manifest, compare's
// statistics (one pass over candidates.jsonl), then a second pass that
// writes the question index and details into dataDir.
func streamRun(ctx context.Context, dir string, run int, dataDir string, opts SynthOptions) (*SynthRun, synthPageRun, error) {
	m, err := readManifest(dir)
	if err != nil {
		return nil, synthPageRun{}, err
	}
	stats, err := compare.Load(ctx, dir)
	if err != nil {
		return nil, synthPageRun{}, fmt.Errorf("report: %w", err)
	}
	r := &SynthRun{Dir: dir, Manifest: m, Stats: stats, Agg: SynthAgg{
		Verdicts: map[string]int{}, Guidelines: map[string]*GuidelineYield{}, Rounds: map[string]*GuidelineYield{},
		Dropped: map[string]int{}, KeptPerQuestion: map[int]int{},
	}}
	pr := synthPageRun{LabelName: "gold answer"}
	if m != nil && m.Config.Filter == "majority" {
		pr.LabelName = "majority answer"
	}
	index := &jsFile{dir: dataDir, prefix: fmt.Sprintf("r%d-index-", run), call: fmt.Sprintf("regenesisIndex(%d,", run)}
	chunks := &jsFile{dir: dataDir, prefix: fmt.Sprintf("r%d-q-", run), call: fmt.Sprintf("regenesisChunk(%d,", run)}
	ps := openPrompts(ctx, dir)
	defer ps.close()
	path := filepath.Join(dir, rundir.CandidatesFile)
	for g, err := range rundir.GroupCandidates(ctx, path) {
		if err != nil {
			return nil, pr, fmt.Errorf("report: %w", err)
		}
		prompt, err := ps.prompt(g.Key)
		if err != nil {
			return nil, pr, fmt.Errorf("report: %w", err)
		}
		d, row := r.Agg.add(g, prompt, opts.MaxTextChars)
		b, err := json.Marshal(d)
		if err != nil {
			return nil, pr, fmt.Errorf("report: %s: question %s: %w", path, g.Key, err)
		}
		if chunks.n > 0 && (chunks.bytes+len(b) > opts.ChunkBytes) {
			if err := chunks.close(); err != nil {
				return nil, pr, err
			}
		}
		row[11], row[12] = chunks.next(), chunks.n
		if err := chunks.add(b); err != nil {
			return nil, pr, err
		}
		rb, err := json.Marshal(row)
		if err != nil {
			return nil, pr, fmt.Errorf("report: %s: question %s: %w", path, g.Key, err)
		}
		if index.n >= opts.IndexRows {
			if err := index.close(); err != nil {
				return nil, pr, err
			}
		}
		if err := index.add(rb); err != nil {
			return nil, pr, err
		}
	}
	if err := chunks.close(); err != nil {
		return nil, pr, err
	}
	if err := index.close(); err != nil {
		return nil, pr, err
	}
	pr.Questions = r.Agg.Questions
	pr.Tasks = nonNil(r.Agg.tasks.names)
	pr.Guidelines = nonNil(r.Agg.guidelines.names)
	pr.Reasons = nonNil(r.Agg.reasons.names)
	pr.Index = nonNil(index.files)
	pr.Chunks = nonNil(chunks.files)
	return r, pr, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// jsFile writes a sequence of script files, each a call of a function the
// page defines with a JSON array: call + "part," + "[elem,elem,...]);".
// A page opened from a file can load such scripts where it could not
// fetch JSON.
type jsFile struct {
	dir, prefix, call string
	files             []string
	f                 *os.File
	w                 *bufio.Writer
	n, bytes          int
}

// next is the number of the file the next add writes to.
func (j *jsFile) next() int {
	if j.f == nil {
		return len(j.files)
	}
	return len(j.files) - 1
}

func (j *jsFile) add(b []byte) error {
	if j.f == nil {
		name := fmt.Sprintf("%s%05d.js", j.prefix, len(j.files))
		f, err := os.Create(filepath.Join(j.dir, name))
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		j.f, j.w, j.n, j.bytes = f, bufio.NewWriterSize(f, 1<<16), 0, 0
		j.files = append(j.files, name)
		fmt.Fprintf(j.w, "%s%d,[\n", j.call, len(j.files)-1)
	}
	if j.n > 0 {
		j.w.WriteString(",\n")
	}
	j.w.Write(b)
	j.n++
	j.bytes += len(b) + 2
	return nil
}

func (j *jsFile) close() error {
	if j.f == nil {
		return nil
	}
	j.w.WriteString("]);\n")
	err := j.w.Flush()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.f, j.w, j.n, j.bytes = nil, nil, 0, 0
	if err != nil {
		return fmt.Errorf("report: write %s: %w", filepath.Join(j.dir, j.files[len(j.files)-1]), err)
	}
	return nil
}

// uniqueSynthLabels appends " (2)", " (3)", ... to repeated labels.
func uniqueSynthLabels(runs []*SynthRun) {
	seen := map[string]int{}
	for _, r := range runs {
		seen[r.Label]++
		if n := seen[r.Label]; n > 1 {
			r.Label = fmt.Sprintf("%s (%d)", r.Label, n)
		}
	}
}

// synthHTML renders the page.
func synthHTML(w io.Writer, runs []*SynthRun, data []synthPageRun, dataDir string, opts SynthOptions) error {
	t, err := template.New("synth").Funcs(template.FuncMap{
		"f1":    func(v float64) string { return fmt.Sprintf("%.1f", v) },
		"lower": strings.ToLower,
	}).Parse(synthTemplate + chartTemplate)
	if err != nil {
		return fmt.Errorf("report: parse synthesis page template: %w", err)
	}
	p := buildSynthPage(runs, data, dataDir, opts)
	if err := t.Execute(w, p); err != nil {
		return fmt.Errorf("report: render HTML: %w", err)
	}
	return nil
}
