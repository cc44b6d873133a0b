package runloop

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/regenesis-ai/regenesis/internal/fileio"
)

// StateFile is the name of the state file in the run directory.
const StateFile = "state.json"

// State records the finished steps of a run.
type State struct {
	Steps map[string]StepRecord `json:"steps"`
}

// StepRecord is one finished step: the arguments it ran with, so that a
// changed config runs it again, and what it produced.
type StepRecord struct {
	Args     []string  `json:"args"`
	Model    string    `json:"model,omitempty"`
	Finished time.Time `json:"finished"`
}

func loadState(dir string) (*State, error) {
	p := filepath.Join(dir, StateFile)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return &State{Steps: map[string]StepRecord{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w (delete it to start the run over)", p, err)
	}
	if s.Steps == nil {
		s.Steps = map[string]StepRecord{}
	}
	return &s, nil
}

// save writes the state atomically: a crash leaves the old or the new file.
func (s *State) save(dir string) error {
	if err := fileio.WriteJSON(filepath.Join(dir, StateFile), s); err != nil {
		return fmt.Errorf("writing run state: %w", err)
	}
	return nil
}

// done reports whether step finished with exactly these arguments.
func (s *State) done(step string, args []string) (StepRecord, bool) {
	r, ok := s.Steps[step]
	return r, ok && slices.Equal(r.Args, args)
}
