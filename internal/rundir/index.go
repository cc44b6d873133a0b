package rundir

import "github.com/regenesis-ai/regenesis/internal/method"

// IndexRecord is one line of synth-index.jsonl: a question's position in
// the whole input (every shard's), its id, how many lines it wrote to
// candidates.jsonl and sft.jsonl, and what the manifest counts of it beyond
// its candidates.
type IndexRecord struct {
	Index        int            `json:"index"`
	Task         string         `json:"task"`
	ID           string         `json:"id"`
	Candidates   int            `json:"candidates"`
	SFT          int            `json:"sft"`
	Calls        map[string]int `json:"calls"`
	Usage        method.Usage   `json:"usage"`
	StoppedEarly bool           `json:"stopped_early,omitempty"`
}
