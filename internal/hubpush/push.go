package hubpush

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/export"
	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/synth"
)

// Options configure Push.
type Options struct {
	// Dir is the synthesis directory (sft.jsonl, candidates.jsonl, manifest.json).
	Dir string
	// Repo is the dataset repository, "owner/name".
	Repo string
	// Private creates a new repository private (an existing one keeps its visibility).
	Private bool
	// Revision is the branch to commit to; "" means "main".
	Revision string
	// Format of the data file: "parquet" (default) or "jsonl" (messages).
	Format string
	// Sources describe the tasks behind the run, for the card's licence and
	// source datasets (the caller looks them up in the task registry).
	Sources func(taskNames []string) []Source
	// API is the Hub client.
	API *API
}

// Result says what a push did.
type Result struct {
	Created bool // the repository was created
	Commit  *Commit
	Files   []string
}

var repoIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$`)

// CheckRepoID validates "owner/name" as the Hub does.
func CheckRepoID(id string) error {
	if !repoIDPattern.MatchString(id) || strings.Contains(id, "--") || strings.Contains(id, "..") || strings.HasSuffix(id, ".git") {
		return fmt.Errorf("--repo %q: want owner/name (letters, digits, '-', '_', '.'; no '--' or '..')", id)
	}
	return nil
}

// Push exports dir's kept paths, renders the dataset card and commits both
// with the manifest to the repository, creating it when missing.
func Push(ctx context.Context, o Options) (*Result, error) {
	if err := CheckRepoID(o.Repo); err != nil {
		return nil, err
	}
	if o.Revision == "" {
		o.Revision = "main"
	}
	if o.Format == "" {
		o.Format = "parquet"
	}
	manPath := filepath.Join(o.Dir, rundir.ManifestFile)
	rawMan, err := os.ReadFile(manPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: no manifest: push takes a finished synthesis directory", manPath)
	}
	if err != nil {
		return nil, err
	}
	man, err := synth.ParseManifest(manPath, rawMan)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "regenesis-push-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var format export.Format
	var dataPath string
	switch o.Format {
	case "parquet":
		format, dataPath = export.Parquet, "data/train-00000-of-00001.parquet"
	case "jsonl":
		format, dataPath = export.Messages, "data/train.jsonl"
	default:
		return nil, fmt.Errorf("--format %q: want parquet or jsonl", o.Format)
	}
	out := filepath.Join(tmp, filepath.Base(dataPath))
	sum, err := export.Run(ctx, export.Options{Dir: o.Dir, Format: format, Out: out})
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	var sources []Source
	if o.Sources != nil {
		sources = o.Sources(strings.Split(man.Task, ","))
	}
	card, err := renderCard(cardInput{Repo: o.Repo, Manifest: man, Sources: sources, DataPath: dataPath, Format: o.Format, Rows: sum.Examples})
	if err != nil {
		return nil, err
	}
	files := []*File{
		{Path: dataPath, Content: data},
		{Path: rundir.ManifestFile, Content: rawMan},
		{Path: "README.md", Content: card},
	}
	res := &Result{}
	for _, f := range files {
		res.Files = append(res.Files, f.Path)
	}
	if res.Created, err = o.API.CreateRepo(ctx, o.Repo, o.Private); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("regenesis push: %s %s, %d kept paths", man.Method, man.Task, man.Counts.Kept)
	if res.Commit, err = o.API.CommitFiles(ctx, o.Repo, o.Revision, summary, "Uploaded with regenesis push "+man.Version+".", files); err != nil {
		return nil, err
	}
	return res, nil
}
