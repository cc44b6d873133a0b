package hubpush

import (
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/synth"
)

// CardMeta is the YAML header of a dataset card: the fields the Hub reads
// (https://huggingface.co/docs/hub/datasets-cards).
type CardMeta struct {
	License        string   `yaml:"license"`
	LicenseName    string   `yaml:"license_name,omitempty"`
	Language       []string `yaml:"language"`
	TaskCategories []string `yaml:"task_categories"`
	Tags           []string `yaml:"tags"`
	PrettyName     string   `yaml:"pretty_name"`
	SizeCategories []string `yaml:"size_categories"`
	SourceDatasets []string `yaml:"source_datasets,omitempty"`
	Configs        []Config `yaml:"configs"`
}

// Config is one entry of configs: which files make which split.
type Config struct {
	ConfigName string     `yaml:"config_name"`
	Default    bool       `yaml:"default,omitempty"`
	DataFiles  []DataFile `yaml:"data_files"`
}

// DataFile maps a split to a path (or glob) in the repository.
type DataFile struct {
	Split string `yaml:"split"`
	Path  string `yaml:"path"`
}

// taskLicenses are the licences of the source datasets the built-in tasks
// come from, as their Hub repositories declare them; a task not listed is
// "other" with a note to check.
func taskLicenses() map[string]string {
	return map[string]string{
		"gsm8k":         "mit",
		"arc_challenge": "cc-by-sa-4.0",
		"math":          "mit",
		"anli":          "cc-by-nc-4.0",
		"commonsenseqa": "mit",
		"aqua":          "apache-2.0",
	}
}

// sizeCategory is the Hub's size bucket of n rows.
func sizeCategory(n int) string {
	switch {
	case n < 1_000:
		return "n<1K"
	case n < 10_000:
		return "1K<n<10K"
	case n < 100_000:
		return "10K<n<100K"
	case n < 1_000_000:
		return "100K<n<1M"
	case n < 10_000_000:
		return "1M<n<10M"
	}
	return "10M<n<100M"
}

// Source is a task the dataset was made from.
type Source struct {
	Task     string // regenesis task name
	Hub      string // Hub repository, "" for a custom task
	Revision string
}

// cardInput is what a card is made from.
type cardInput struct {
	Repo     string
	Manifest *synth.Manifest
	Sources  []Source
	DataPath string // the data file in the repository
	Format   string
	Rows     int
}

// license returns the card's licence: the source tasks' when they all
// agree and are known, else "other" and why.
func (in cardInput) license() (id, note string) {
	known := taskLicenses()
	var ids []string
	var unknown []string
	for _, s := range in.Sources {
		if l, ok := known[s.Task]; ok {
			ids = append(ids, l)
		} else {
			unknown = append(unknown, s.Task)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	switch {
	case len(unknown) > 0:
		return "other", fmt.Sprintf("The licence of the source task(s) %s is not recorded by regenesis: check the source dataset's card before sharing or using this data.", strings.Join(unknown, ", "))
	case len(ids) == 1:
		return ids[0], fmt.Sprintf("The reasoning paths were generated from questions of a dataset licensed %s; this dataset carries the same licence.", ids[0])
	case len(ids) == 0:
		return "other", "No source task is recorded."
	}
	return "other", fmt.Sprintf("The source tasks carry different licences (%s); each row's task field says which applies.", strings.Join(ids, ", "))
}

// Card renders README.md: the YAML header and a description of how the
// data was made. It is a function of its input only, so that an unchanged
// directory gives the same bytes.
func renderCard(in cardInput) ([]byte, error) {
	m := in.Manifest
	lic, licNote := in.license()
	meta := CardMeta{
		License:        lic,
		Language:       []string{"en"},
		TaskCategories: []string{"text-generation", "question-answering"},
		Tags:           []string{"reasoning", "synthetic", "chain-of-thought", "regenesis", m.Method},
		PrettyName:     fmt.Sprintf("%s reasoning paths (%s, %s)", m.Task, m.Method, m.Model),
		SizeCategories: []string{sizeCategory(in.Rows)},
		Configs: []Config{{ConfigName: "default", Default: true,
			DataFiles: []DataFile{{Split: "train", Path: in.DataPath}}}},
	}
	if lic == "other" {
		meta.LicenseName = "see-card"
	}
	for _, s := range in.Sources {
		if s.Hub != "" {
			meta.SourceDatasets = append(meta.SourceDatasets, s.Hub)
		}
	}
	slices.Sort(meta.SourceDatasets)
	meta.SourceDatasets = slices.Compact(meta.SourceDatasets)
	head, err := yaml.Marshal(meta)
	if err != nil {
		return nil, err
	}
	cfg, err := yaml.Marshal(m.Config)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("---\n")
	b.Write(head)
	b.WriteString("---\n\n")
	fmt.Fprintf(&b, "# %s\n\n", meta.PrettyName)
	fmt.Fprintf(&b, "Reasoning paths synthesized with [regenesis](https://github.com/regenesis-ai/regenesis) %s, method `%s`, model `%s`, from the `%s` split of %s. Each row is one kept path as a chat (`messages`: the question as the user turn, the path as the assistant turn) with its task, question id, method and guideline ids.\n\n",
		m.Version, m.Method, m.Model, m.Split, m.Task)
	fmt.Fprintf(&b, "```python\nfrom datasets import load_dataset\nds = load_dataset(%q, split=\"train\")\n```\n\n", in.Repo)
	b.WriteString("## Counts\n\n| | |\n| --- | --- |\n")
	c := m.Counts
	fmt.Fprintf(&b, "| questions | %d |\n| questions with a kept path | %d |\n| rescued by the hint round | %d |\n| candidates | %d |\n| kept paths | %d (%.1f%%) |\n| kept hinted paths | %d |\n\n",
		c.Questions, c.QuestionsWithPath, c.RescuedByHint, c.Candidates, c.Kept, 100*c.KeptRate, c.KeptHinted)
	b.WriteString("## Cost\n\n")
	fmt.Fprintf(&b, "%d requests, %d samples, %d prompt + %d completion tokens", m.Cost.Requests, m.Cost.Samples, m.Cost.PromptTokens, m.Cost.CompletionTokens)
	if mo := m.Cost.Money; mo != nil {
		fmt.Fprintf(&b, "; %s in money (price basis: %s", cost.Format(mo.Total), mo.Pricing.Basis)
		if mo.Pricing.Batch {
			b.WriteString(", Batch API")
		}
		fmt.Fprintf(&b, "), %s per kept path", cost.Format(mo.PerKeptPath))
	}
	b.WriteString(".\n\n## Settings\n\n```yaml\n")
	b.Write(cfg)
	b.WriteString("```\n\n")
	if len(m.Guidelines) > 0 {
		fmt.Fprintf(&b, "Guideline pool: %s.\n\n", strings.Join(m.Guidelines, ", "))
	}
	b.WriteString("## Prompt templates (SHA-256)\n\n| template | sha256 |\n| --- | --- |\n")
	names := make([]string, 0, len(m.PromptHashes))
	for n := range m.PromptHashes {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&b, "| %s | `%s` |\n", n, m.PromptHashes[n])
	}
	b.WriteString("\n## Source and licence\n\n")
	for _, s := range in.Sources {
		if s.Hub != "" {
			fmt.Fprintf(&b, "- %s: [%s](https://huggingface.co/datasets/%s) at revision `%s`\n", s.Task, s.Hub, s.Hub, s.Revision)
		} else {
			fmt.Fprintf(&b, "- %s (a custom task)\n", s.Task)
		}
	}
	fmt.Fprintf(&b, "\n%s\n\n", licNote)
	fmt.Fprintf(&b, "## Files\n\n- `%s`: the kept paths (%s, %d rows)\n- `manifest.json`: the run's manifest (command, settings, prompt hashes, counts, cost)\n", in.DataPath, in.Format, in.Rows)
	return []byte(b.String()), nil
}
