package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/fileio"
)

// Options configures Build.
type Options struct {
	// Dirs are the evaluation directories, one row each, in this order.
	Dirs []string
	// Labels, when given, name the rows of Dirs in order (empty entries keep
	// the default: the model name, with the mode when not greedy).
	Labels []string
	// Baseline is the directory of the baseline run, or "".
	Baseline string
	// Load bounds the predictions kept for the HTML page.
	Load LoadOptions
	// Layout is LayoutRuns ("") or LayoutPaper: rows in the paper's method
	// order, the paper's table in Markdown.
	Layout string
	// Synth maps a row label to the synthesis directory of that row's
	// training data, whose cost the paper layout shows.
	Synth map[string]string
}

// Build loads the runs and compares them. It returns the comparison and
// every run, the baseline first when there is one.
func Build(opts Options) (*Comparison, []*Run, error) {
	if len(opts.Dirs) == 0 {
		return nil, nil, fmt.Errorf("report: no evaluation directories given")
	}
	if len(opts.Labels) > len(opts.Dirs) {
		return nil, nil, fmt.Errorf("report: %d labels for %d directories", len(opts.Labels), len(opts.Dirs))
	}
	var runs []*Run
	baseLabel := ""
	for i, dir := range opts.Dirs {
		if opts.Baseline != "" && filepath.Clean(dir) == filepath.Clean(opts.Baseline) {
			if i < len(opts.Labels) {
				baseLabel = opts.Labels[i]
			}
			continue // the baseline is its own row
		}
		r, err := Load(dir, opts.Load)
		if err != nil {
			return nil, nil, err
		}
		if i < len(opts.Labels) && opts.Labels[i] != "" {
			r.Label = opts.Labels[i]
		}
		runs = append(runs, r)
	}
	var base *Run
	all := runs
	if opts.Baseline != "" {
		var err error
		if base, err = Load(opts.Baseline, opts.Load); err != nil {
			return nil, nil, err
		}
		if baseLabel != "" {
			base.Label = baseLabel
		}
		all = append([]*Run{base}, runs...)
	}
	UniqueLabels(all)
	c := Compare(runs, base)
	switch opts.Layout {
	case "", LayoutRuns:
	case LayoutPaper:
		c.Layout = LayoutPaper
		c.SortPaper()
	default:
		return nil, nil, fmt.Errorf("report: unknown layout %q (want %s or %s)", opts.Layout, LayoutRuns, LayoutPaper)
	}
	if err := c.AttachSynthesis(opts.Synth); err != nil {
		return nil, nil, err
	}
	return c, all, nil
}

// outBase is out without a .md, .html or .htm extension, its folder
// created: the base name of a report's files.
func outBase(out string) (string, error) {
	base := out
	for _, ext := range []string{".md", ".html", ".htm"} {
		if strings.EqualFold(filepath.Ext(base), ext) {
			base = strings.TrimSuffix(base, filepath.Ext(base))
		}
	}
	if dir := filepath.Dir(base); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", fmt.Errorf("report: %w", err)
		}
	}
	return base, nil
}

// WriteFiles writes the comparison as base.md and base.html, where base is
// out without a .md or .html extension, and returns the two paths.
func WriteFiles(out string, c *Comparison, runs []*Run, opts HTMLOptions) (mdPath, htmlPath string, err error) {
	base, err := outBase(out)
	if err != nil {
		return "", "", err
	}
	mdPath, htmlPath = base+".md", base+".html"
	// Both pages are complete before either replaces an earlier one.
	md, err := fileio.Create(mdPath)
	if err != nil {
		return "", "", fmt.Errorf("report: %w", err)
	}
	defer md.Abort()
	page, err := fileio.Create(htmlPath)
	if err != nil {
		return "", "", fmt.Errorf("report: %w", err)
	}
	defer page.Abort()
	if err := c.Markdown(md); err != nil {
		return "", "", fmt.Errorf("report: write %s: %w", mdPath, err)
	}
	if err := HTML(page, c, runs, opts); err != nil {
		return "", "", fmt.Errorf("report: write %s: %w", htmlPath, err)
	}
	if err := md.Commit(); err != nil {
		return "", "", fmt.Errorf("report: %w", err)
	}
	if err := page.Commit(); err != nil {
		return "", "", fmt.Errorf("report: %w", err)
	}
	return mdPath, htmlPath, nil
}
