package synth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/regenesis-ai/regenesis/internal/fileio"
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

// createOut starts one output, written as NAME.partial and renamed on
// commit; an unfinished run leaves the partial file for inspection.
func createOut(dir, name string) (*fileio.File, error) {
	f, err := fileio.Create(filepath.Join(dir, name), fileio.Partial())
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	return f, nil
}

// writer writes sft.jsonl and candidates.jsonl.
type writer struct {
	prompts   *prompts.Set
	userTmpl  string // "" = UserTemplate
	prefix    string // before each training target
	sft, cand *fileio.File
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
		sft.Abort()
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

func (w *writer) encode(o *fileio.File, v any) error {
	w.line.Reset()
	if err := w.enc.Encode(v); err != nil {
		return fmt.Errorf("synth: encode %s: %w", filepath.Base(o.Path()), err)
	}
	if _, err := o.Write(w.line.Bytes()); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}

// commit flushes both files and renames them into place.
func (w *writer) commit() error {
	w.done = true
	return errors.Join(w.sft.Commit(), w.cand.Commit())
}

// abort flushes and closes the partial files of an unfinished run, so that
// what was written can be inspected; they are replaced by the next run.
func (w *writer) abort() {
	if w.done {
		return
	}
	w.sft.Abort()
	w.cand.Abort()
}

func writeJSONFile(dir, name string, v any) error {
	if err := fileio.WriteJSON(filepath.Join(dir, name), v); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}
