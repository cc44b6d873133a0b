package task

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// CustomSpec describes a user's own task: data files and how their fields
// map onto an Example. It is the schema of a task YAML file:
//
//	name: my-math
//	answer_type: number        # number, choice, yesno, text or math
//	splits:                    # split name -> file (.jsonl, .json, .csv, .parquet),
//	  train: data/train.jsonl  # relative to the YAML file's folder
//	  test: data/test.jsonl
//	fields:
//	  question: problem        # dotted paths into each record ("question.stem")
//	  answer: solution.final
//	  id: uid                  # optional: split-index when absent
//	  rationale: steps         # optional
//	  choices: options         # optional: a list of texts or of {label, text}
//	  choice_fields: [A, B, C] # optional: one field per option (CSV columns)
//	  context: passage         # optional: text shown before the question
type CustomSpec struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	AnswerType  answer.Type       `yaml:"answer_type"`
	Group       Group             `yaml:"group"`       // default "extra"
	Format      string            `yaml:"format"`      // jsonl, json, csv or parquet; default from the extension
	JSONKey     string            `yaml:"json_key"`    // .json files: key of the array in the top-level object
	Splits      map[string]string `yaml:"splits"`      // split name -> file
	TestSplit   string            `yaml:"test_split"`  // default "test" when present, else the only split
	TrainSplit  string            `yaml:"train_split"` // default "train" when present
	Fields      Fields            `yaml:"fields"`
	// AnswerIndexBase, when set (0 or 1), reads a numeric answer of a choice
	// task as the index of the correct option.
	AnswerIndexBase *int `yaml:"answer_index_base"`
}

// Fields maps Example fields to record fields, as dotted paths.
type Fields struct {
	ID           string   `yaml:"id"`
	Question     string   `yaml:"question"`
	Context      string   `yaml:"context"`
	Answer       string   `yaml:"answer"`
	Rationale    string   `yaml:"rationale"`
	Choices      string   `yaml:"choices"`
	ChoiceFields []string `yaml:"choice_fields"`
}

// Custom is a validated custom task, ready for Registry.Add.
type Custom struct {
	def *taskDef
}

// Name is the custom task's name.
func (c *Custom) Name() string { return c.def.info.Name }

// LoadCustom reads a task YAML file (strictly: unknown keys are errors,
// reported with file:line:column). Relative data paths are resolved against
// the YAML file's folder.
func LoadCustom(path string) (*Custom, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("task file: %w", err)
	}
	var spec CustomSpec
	if err := yaml.UnmarshalWithOptions(b, &spec, yaml.Strict()); err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil {
			p := ye.GetToken().Position
			return nil, fmt.Errorf("%s:%d:%d: %s", path, p.Line, p.Column, ye.GetMessage())
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c, err := NewCustom(spec, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// NewCustom validates a spec. Relative file paths are joined to baseDir
// ("" for the working directory).
func NewCustom(spec CustomSpec, baseDir string) (*Custom, error) {
	if strings.TrimSpace(spec.Name) == "" {
		return nil, errors.New(`field "name": missing`)
	}
	switch spec.AnswerType {
	case answer.Number, answer.Choice, answer.YesNo, answer.Text, answer.Math:
	case "":
		return nil, errors.New(`field "answer_type": missing (number, choice, yesno, text or math)`)
	default:
		return nil, fmt.Errorf(`field "answer_type": %q is not number, choice, yesno, text or math`, spec.AnswerType)
	}
	if spec.Fields.Question == "" {
		return nil, errors.New(`field "fields.question": missing`)
	}
	if spec.Fields.Answer == "" {
		return nil, errors.New(`field "fields.answer": missing`)
	}
	if spec.Fields.Choices != "" && len(spec.Fields.ChoiceFields) > 0 {
		return nil, errors.New(`fields "fields.choices" and "fields.choice_fields": give one, not both`)
	}
	if spec.AnswerType == answer.Choice && spec.Fields.Choices == "" && len(spec.Fields.ChoiceFields) == 0 {
		return nil, errors.New(`answer_type choice needs "fields.choices" or "fields.choice_fields"`)
	}
	if b := spec.AnswerIndexBase; b != nil && *b != 0 && *b != 1 {
		return nil, fmt.Errorf(`field "answer_index_base": %d is not 0 or 1`, *b)
	}
	if len(spec.Splits) == 0 {
		return nil, errors.New(`field "splits": missing (split name -> data file)`)
	}
	if spec.Group == "" {
		spec.Group = Extra
	}
	names := make([]string, 0, len(spec.Splits))
	for n := range spec.Splits {
		names = append(names, n)
	}
	slices.Sort(names)
	def := &taskDef{plain: true, info: Info{
		Name: spec.Name, Group: spec.Group, AnswerType: spec.AnswerType,
		Description: spec.Description, TestSplit: spec.TestSplit, TrainSplit: spec.TrainSplit,
	}}
	for _, n := range names {
		path := spec.Splits[n]
		if path == "" {
			return nil, fmt.Errorf("field %q: missing file", "splits."+n)
		}
		if !filepath.IsAbs(path) && baseDir != "" {
			path = filepath.Join(baseDir, path)
		}
		f := format(spec.Format)
		if f == "" {
			var err error
			if f, err = formatOf(path); err != nil {
				return nil, fmt.Errorf("split %s: %w", n, err)
			}
		}
		switch f {
		case formatJSONL, formatJSON, formatCSV, formatParquet:
		default:
			return nil, fmt.Errorf(`field "format": %q is not jsonl, json, csv or parquet`, f)
		}
		def.splits = append(def.splits, split(n, 0, []part{{path: path, format: f, key: spec.JSONKey}}, nil))
	}
	if def.info.TestSplit == "" {
		switch {
		case spec.Splits["test"] != "":
			def.info.TestSplit = "test"
		case len(names) == 1:
			def.info.TestSplit = names[0]
		}
	} else if spec.Splits[def.info.TestSplit] == "" {
		return nil, fmt.Errorf("field \"test_split\": no split %q", def.info.TestSplit)
	}
	if def.info.TrainSplit == "" && spec.Splits["train"] != "" {
		def.info.TrainSplit = "train"
	} else if def.info.TrainSplit != "" && spec.Splits[def.info.TrainSplit] == "" {
		return nil, fmt.Errorf("field \"train_split\": no split %q", def.info.TrainSplit)
	}
	def.normalize = customNormalizer(spec)
	return &Custom{def: def}, nil
}

// customNormalizer maps a record through the spec's fields.
func customNormalizer(spec CustomSpec) normalizer {
	f := spec.Fields
	return func(rec record, p part) (Example, error) {
		q, err := rec.str(f.Question)
		if err != nil {
			return Example{}, err
		}
		if f.Context != "" {
			c, err := rec.optStr(f.Context)
			if err != nil {
				return Example{}, err
			}
			if c = strings.TrimSpace(c); c != "" {
				q = c + "\n" + q
			}
		}
		ex := Example{ID: defaultID(p, rec), Spec: answer.Spec{Type: spec.AnswerType}}
		if f.ID != "" {
			if ex.ID, err = rec.str(f.ID); err != nil {
				return Example{}, err
			}
		}
		if f.Rationale != "" {
			if ex.Rationale, err = rec.optStr(f.Rationale); err != nil {
				return Example{}, err
			}
		}
		if ex.Spec.Options, err = customOptions(rec, f); err != nil {
			return Example{}, err
		}
		ex.Question = renderChoices(q, ex.Spec.Options)
		raw, err := rec.str(f.Answer)
		if err != nil {
			return Example{}, err
		}
		if ex.Answer, err = customAnswer(rec, spec, raw, ex.Spec.Options); err != nil {
			return Example{}, err
		}
		return ex, nil
	}
}

// customOptions reads the options of a choice question, if the spec maps any.
func customOptions(rec record, f Fields) ([]answer.Option, error) {
	if len(f.ChoiceFields) > 0 {
		opts := make([]answer.Option, 0, len(f.ChoiceFields))
		for i, name := range f.ChoiceFields {
			s, err := rec.str(name)
			if err != nil {
				return nil, err
			}
			opts = append(opts, answer.Option{Label: letter(i), Text: s})
		}
		return opts, nil
	}
	if f.Choices == "" {
		return nil, nil
	}
	l, err := rec.list(f.Choices)
	if err != nil {
		return nil, err
	}
	opts := make([]answer.Option, 0, len(l))
	for i, v := range l {
		if m, ok := v.(map[string]any); ok {
			text, _ := scalarText(m["text"])
			label, _ := scalarText(m["label"])
			if label == "" {
				label = letter(i)
			}
			if lb, ok := letterLabel(label); ok {
				label = lb
			}
			opts = append(opts, answer.Option{Label: label, Text: text})
			continue
		}
		s, ok := scalarText(v)
		if !ok {
			return nil, rec.errorf(fmt.Sprintf("%s[%d]", f.Choices, i), "want a string or a {label, text} object, got %s", kindOf(v))
		}
		opts = append(opts, answer.Option{Label: letter(i), Text: s})
	}
	if len(opts) == 0 {
		return nil, rec.missing(f.Choices)
	}
	return opts, nil
}

// customAnswer canonicalizes a custom task's gold answer for its type.
func customAnswer(rec record, spec CustomSpec, raw string, opts []answer.Option) (string, error) {
	field := spec.Fields.Answer
	raw = strings.TrimSpace(raw)
	switch spec.AnswerType {
	case answer.Number:
		n, ok := canonNumber(raw)
		if !ok {
			return "", rec.errorf(field, "%q is not a number", raw)
		}
		return n, nil
	case answer.YesNo:
		switch strings.ToLower(raw) {
		case "yes", "true", "1", "valid":
			return "yes", nil
		case "no", "false", "0", "invalid":
			return "no", nil
		}
		return "", rec.errorf(field, "%q is not yes/no or true/false", raw)
	case answer.Choice:
		if b := spec.AnswerIndexBase; b != nil {
			if i, err := strconv.Atoi(raw); err == nil {
				if i-*b < 0 || i-*b >= len(opts) {
					return "", rec.errorf(field, "index %d is out of range for %d options (answer_index_base %d)", i, len(opts), *b)
				}
				return opts[i-*b].Label, nil
			}
		}
		label := strings.Trim(raw, "() ")
		for _, o := range opts {
			if strings.EqualFold(o.Label, label) {
				return o.Label, nil
			}
		}
		for _, o := range opts {
			if strings.EqualFold(strings.TrimSpace(o.Text), raw) {
				return o.Label, nil
			}
		}
		return "", rec.errorf(field, "%q is neither an option label nor an option's text", raw)
	}
	return raw, nil
}
