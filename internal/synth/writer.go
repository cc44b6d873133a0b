package synth

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/prompts"
)

// SFTRecord is one line of sft.jsonl.
type SFTRecord struct {
	Messages     []llm.Message `json:"messages"`
	Task         string        `json:"task"`
	QuestionID   string        `json:"question_id"`
	Method       string        `json:"method"`
	GuidelineIDs []string      `json:"guideline_ids"`
	Hinted       bool          `json:"hinted"`
}

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

// outFile is one output written as NAME.partial and renamed on commit.
type outFile struct {
	f    *os.File
	buf  *bufio.Writer
	path string
}

func createOut(dir, name string) (*outFile, error) {
	path := filepath.Join(dir, name)
	f, err := os.Create(path + partialSuffix)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	return &outFile{f: f, buf: bufio.NewWriterSize(f, 1<<16), path: path}, nil
}

func (o *outFile) commit() error {
	if err := o.buf.Flush(); err != nil {
		o.f.Close()
		return fmt.Errorf("synth: write %s: %w", o.f.Name(), err)
	}
	if err := o.f.Close(); err != nil {
		return fmt.Errorf("synth: close %s: %w", o.f.Name(), err)
	}
	if err := os.Rename(o.f.Name(), o.path); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}

// writer writes sft.jsonl, candidates.jsonl and synth-index.jsonl.
type writer struct {
	prompts          *prompts.Set
	sft, cand, index *outFile
	line             bytes.Buffer
	enc              *json.Encoder
	done             bool
}

func newWriter(dir string, p *prompts.Set) (*writer, error) {
	sft, err := createOut(dir, SFTFile)
	if err != nil {
		return nil, err
	}
	cand, err := createOut(dir, CandidatesFile)
	if err != nil {
		sft.f.Close()
		return nil, err
	}
	index, err := createOut(dir, IndexFile)
	if err != nil {
		sft.f.Close()
		cand.f.Close()
		return nil, err
	}
	w := &writer{prompts: p, sft: sft, cand: cand, index: index}
	w.enc = json.NewEncoder(&w.line)
	w.enc.SetEscapeHTML(false)
	return w, nil
}

// write appends one question's kept paths, candidates and index record
// (index: its position in the whole input).
func (w *writer) write(o method.Outcome, index int) error {
	var user string
	sft := 0
	for _, c := range o.Candidates {
		if !c.Kept {
			continue
		}
		if user == "" {
			var err error
			user, err = UserTurn(w.prompts, o.Example.Question, o.Example.Spec)
			if err != nil {
				return err
			}
		}
		ids := c.GuidelineIDs
		if ids == nil {
			ids = []string{}
		}
		rec := SFTRecord{
			Messages: []llm.Message{
				{Role: "user", Content: user},
				{Role: "assistant", Content: method.Clean(c.Path)},
			},
			Task: c.Task, QuestionID: c.QuestionID, Method: c.Method,
			GuidelineIDs: ids, Hinted: c.Hinted,
		}
		if err := w.encode(w.sft, rec); err != nil {
			return err
		}
		sft++
	}
	for _, c := range o.Candidates {
		if err := w.encode(w.cand, c); err != nil {
			return err
		}
	}
	calls := o.Calls
	if calls == nil {
		calls = map[string]int{}
	}
	return w.encode(w.index, IndexRecord{
		Index: index, Task: o.Example.Task, ID: o.Example.ID, Candidates: len(o.Candidates), SFT: sft,
		Calls: calls, Usage: o.Usage, StoppedEarly: o.StoppedEarly,
	})
}

func (w *writer) encode(o *outFile, v any) error {
	w.line.Reset()
	if err := w.enc.Encode(v); err != nil {
		return fmt.Errorf("synth: encode %s: %w", filepath.Base(o.path), err)
	}
	if _, err := o.buf.Write(w.line.Bytes()); err != nil {
		return fmt.Errorf("synth: write %s: %w", o.f.Name(), err)
	}
	return nil
}

// commit flushes both files and renames them into place.
func (w *writer) commit() error {
	w.done = true
	return errors.Join(w.sft.commit(), w.cand.commit(), w.index.commit())
}

// abort flushes and closes the partial files of an unfinished run, so that
// what was written can be inspected; they are replaced by the next run.
func (w *writer) abort() {
	if w.done {
		return
	}
	for _, o := range []*outFile{w.sft, w.cand, w.index} {
		o.buf.Flush()
		o.f.Close()
	}
}

func writeJSONFile(dir, name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("synth: encode %s: %w", name, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path+partialSuffix, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	if err := os.Rename(path+partialSuffix, path); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}

// WriteManifest writes m to dir/manifest.json as Run does (regenesis merge
// writes the merged manifest with it).
func WriteManifest(dir string, m *Manifest) error { return writeJSONFile(dir, ManifestFile, m) }
