package synth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/rundir"
)

// createOut starts one output, written as NAME.partial and renamed on
// commit; an unfinished run leaves the partial file for inspection.
func createOut(dir, name string) (*fileio.File, error) {
	f, err := fileio.Create(filepath.Join(dir, name), fileio.Partial())
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	return f, nil
}

// writer writes sft.jsonl, candidates.jsonl and synth-index.jsonl.
type writer struct {
	prompts          *prompts.Set
	userTmpl         string // "" = UserTemplate
	prefix           string // before each training target
	sft, cand, index *fileio.File
	line             bytes.Buffer
	enc              *json.Encoder
	done             bool
}

func newWriter(dir string, p *prompts.Set) (*writer, error) {
	sft, err := createOut(dir, rundir.SFTFile)
	if err != nil {
		return nil, err
	}
	cand, err := createOut(dir, rundir.CandidatesFile)
	if err != nil {
		sft.Abort()
		return nil, err
	}
	index, err := createOut(dir, rundir.IndexFile)
	if err != nil {
		sft.Abort()
		cand.Abort()
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
			user, err = userTurn(w.prompts, w.userTmpl, o.Example.Question, o.Example.Spec)
			if err != nil {
				return err
			}
		}
		if err := w.encode(w.sft, rundir.Kept(c, user, w.prefix+method.Clean(c.Path))); err != nil {
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
	return w.encode(w.index, rundir.IndexRecord{
		Index: index, Task: o.Example.Task, ID: o.Example.ID, Candidates: len(o.Candidates), SFT: sft,
		Calls: calls, Usage: o.Usage, StoppedEarly: o.StoppedEarly,
	})
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
	return errors.Join(w.sft.Commit(), w.cand.Commit(), w.index.Commit())
}

// abort flushes and closes the partial files of an unfinished run, so that
// what was written can be inspected; they are replaced by the next run.
func (w *writer) abort() {
	if w.done {
		return
	}
	w.sft.Abort()
	w.cand.Abort()
	w.index.Abort()
}

// WriteManifest writes m to dir/manifest.json as Run does (regenesis merge
// writes the merged manifest with it).
func WriteManifest(dir string, m *Manifest) error {
	if err := fileio.WriteJSON(filepath.Join(dir, rundir.ManifestFile), m); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}

// ReadManifest reads dir/manifest.json, the one reader of the file: fields
// added by later versions are ignored, missing ones stay zero. A missing
// file is an error wrapping fs.ErrNotExist.
func ReadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, rundir.ManifestFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseManifest(path, b)
}

// ParseManifest decodes the bytes of a manifest.json read from path (named
// in errors).
func ParseManifest(path string, b []byte) (*Manifest, error) {
	var m Manifest
	// The outer cost field shadows Manifest's, so that a missing section
	// stays nil: one pass tells it apart from a zero cost.
	aux := struct {
		*Manifest
		Cost *Cost `json:"cost"`
	}{Manifest: &m}
	if err := json.Unmarshal(b, &aux); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if aux.Cost != nil {
		m.Cost, m.hasCost = *aux.Cost, true
	}
	return &m, nil
}

// HasCost reports whether the manifest has its cost section: one written
// before costs were recorded has none (Cost is then zero). A manifest Run
// returns always has one.
func (m *Manifest) HasCost() bool { return m.hasCost }
