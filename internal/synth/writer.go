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

// writer writes sft.jsonl and candidates.jsonl.
type writer struct {
	prompts   *prompts.Set
	userTmpl  string // "" = UserTemplate
	prefix    string // before each training target
	sft, cand *outFile
	line      bytes.Buffer
	enc       *json.Encoder
	done      bool
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
	w := &writer{prompts: p, sft: sft, cand: cand}
	w.enc = json.NewEncoder(&w.line)
	w.enc.SetEscapeHTML(false)
	return w, nil
}

// write appends one question's kept paths and candidates.
func (w *writer) write(o method.Outcome) error {
	var user string
	for _, c := range o.Candidates {
		if !c.Kept {
			continue
		}
		if user == "" {
			var err error
			user, err = userTurn(w.prompts, w.userTmpl, o.Example.Question, o.Example.Spec)
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
				{Role: "assistant", Content: w.prefix + method.Clean(c.Path)},
			},
			Task: c.Task, QuestionID: c.QuestionID, Method: c.Method,
			GuidelineIDs: ids, Hinted: c.Hinted,
		}
		if err := w.encode(w.sft, rec); err != nil {
			return err
		}
	}
	for _, c := range o.Candidates {
		if err := w.encode(w.cand, c); err != nil {
			return err
		}
	}
	return nil
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
	return errors.Join(w.sft.commit(), w.cand.commit())
}

// abort flushes and closes the partial files of an unfinished run, so that
// what was written can be inspected; they are replaced by the next run.
func (w *writer) abort() {
	if w.done {
		return
	}
	for _, o := range []*outFile{w.sft, w.cand} {
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
