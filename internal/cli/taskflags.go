package cli

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/secret"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// taskFlags are the flags that say where task data lives and which custom
// tasks to add, shared by every command that reads tasks.
type taskFlags struct {
	dataDir    string
	taskFiles  []string
	noDownload bool
	// revisions are --revision values: REV or TASK=REV.
	revisions []string

	// A custom task given by flags instead of a YAML file.
	customName   string
	customType   string
	customSplits []string // split=file
	customFields []string // example field=record field
}

// defaultDataDir is the data directory when neither --data-dir nor
// REGENESIS_DATA_DIR says otherwise.
const defaultDataDir = "data"

// addTaskFlags registers the task flags on cmd.
func addTaskFlags(cmd *cobra.Command) *taskFlags {
	f := &taskFlags{}
	def := cmp.Or(secret.ReadEnv(nil).DataDir, defaultDataDir)
	fs := cmd.Flags()
	fs.StringVar(&f.dataDir, "data-dir", def, "folder holding one folder per task (gsm8k/, arc_challenge/, ...); env REGENESIS_DATA_DIR")
	fs.StringArrayVar(&f.taskFiles, "task-file", nil, "YAML file describing a custom task (repeatable; see docs/TASKS.md)")
	fs.BoolVar(&f.noDownload, "no-download", false, "never download task files from the Hugging Face Hub (HF_HUB_OFFLINE=1 also serves only cached files)")
	fs.StringArrayVar(&f.revisions, "revision", nil, "read the built-in tasks' Hugging Face Hub files at this commit, branch or tag instead of the pinned commits; TASK=REV for one task (repeatable; `regenesis tasks` prints the pins)")
	fs.StringVar(&f.customName, "custom-task", "", "name of a custom task given by the --custom-* flags")
	fs.StringVar(&f.customType, "custom-answer-type", "", "answer type of the custom task: number, choice, yesno, text or math")
	fs.StringArrayVar(&f.customSplits, "custom-split", nil, "split of the custom task as NAME=FILE (.jsonl, .json, .csv, .parquet; repeatable)")
	fs.StringArrayVar(&f.customFields, "custom-field", nil, "field mapping of the custom task as FIELD=PATH, FIELD one of id, question, context, answer, rationale, choices, choice_fields (comma-separated paths) (repeatable)")
	return f
}

// registry builds the task registry the flags describe.
func (f *taskFlags) registry() (*task.Registry, error) {
	var opts []task.Option
	if !f.noDownload {
		hub, err := task.NewHub()
		if err != nil {
			return nil, err
		}
		opts = append(opts, task.WithHub(hub))
	}
	for _, v := range f.revisions {
		name, rev, ok := strings.Cut(v, "=")
		if !ok {
			name, rev = "", v
		}
		if rev == "" || strings.ContainsAny(rev, " \t") {
			return nil, fmt.Errorf("--revision %q: want REV or TASK=REV", v)
		}
		opts = append(opts, task.WithRevision(name, rev))
	}
	r := task.NewRegistry(f.dataDir, opts...)
	if err := r.CheckRevisions(); err != nil {
		return nil, err
	}
	for _, path := range f.taskFiles {
		c, err := task.LoadCustom(path)
		if err != nil {
			return nil, err
		}
		if err := r.Add(c); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if c, err := f.customFromFlags(); err != nil {
		return nil, err
	} else if c != nil {
		if err := r.Add(c); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// customFromFlags builds the custom task of the --custom-* flags; nil when
// none was given.
func (f *taskFlags) customFromFlags() (*task.Custom, error) {
	if f.customName == "" {
		if f.customType != "" || len(f.customSplits) > 0 || len(f.customFields) > 0 {
			return nil, errors.New("--custom-answer-type, --custom-split and --custom-field need --custom-task NAME")
		}
		return nil, nil
	}
	spec := task.CustomSpec{Name: f.customName, AnswerType: answer.Type(f.customType), Splits: map[string]string{}}
	for _, s := range f.customSplits {
		name, file, ok := strings.Cut(s, "=")
		if !ok || name == "" || file == "" {
			return nil, fmt.Errorf("--custom-split %q: want NAME=FILE", s)
		}
		spec.Splits[name] = file
	}
	for _, s := range f.customFields {
		field, path, ok := strings.Cut(s, "=")
		if !ok || path == "" {
			return nil, fmt.Errorf("--custom-field %q: want FIELD=PATH", s)
		}
		switch field {
		case "id":
			spec.Fields.ID = path
		case "question":
			spec.Fields.Question = path
		case "context":
			spec.Fields.Context = path
		case "answer":
			spec.Fields.Answer = path
		case "rationale":
			spec.Fields.Rationale = path
		case "choices":
			spec.Fields.Choices = path
		case "choice_fields":
			spec.Fields.ChoiceFields = strings.Split(path, ",")
		default:
			return nil, fmt.Errorf("--custom-field %q: unknown field %q (want id, question, context, answer, rationale, choices or choice_fields)", s, field)
		}
	}
	c, err := task.NewCustom(spec, "")
	if err != nil {
		return nil, fmt.Errorf("custom task %s: %w", f.customName, err)
	}
	return c, nil
}
