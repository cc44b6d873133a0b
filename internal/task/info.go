package task

import "github.com/regenesis-ai/regenesis/internal/answer"

// Info describes a task for listings and for commands that pick splits.
type Info struct {
	Name  string `json:"name"`
	Group Group  `json:"group"`
	// AnswerType is the task's answer type; a few examples of some tasks
	// (ASDiv, NumGLUE, BBH) differ, and each Example's Spec says its own.
	AnswerType  answer.Type `json:"answer_type"`
	Splits      []Split     `json:"splits"`
	Description string      `json:"description"`
	// TestSplit is the split the paper evaluates on; TrainSplit the one
	// synthesis reads ("" when the task is evaluation only).
	TestSplit  string `json:"test_split"`
	TrainSplit string `json:"train_split,omitempty"`
	// Dir is the task's folder under the data directory ("" for custom tasks).
	Dir string `json:"dir,omitempty"`
	// Hub names the Hugging Face dataset repository files are downloaded
	// from when the data directory lacks them ("" when none).
	Hub string `json:"hub,omitempty"`
	// Revision is the revision the Hub files are read at: a commit when
	// Pinned, else a branch or tag ("main" for the sources no commit could
	// be found for, or what --revision asked for).
	Revision string `json:"revision,omitempty"`
	Pinned   bool   `json:"pinned,omitempty"`
}

// Split is one split of a task.
type Split struct {
	Name string `json:"name"`
	// Count is the number of examples the publisher states; 0 when unknown.
	Count int `json:"count"`
	// Local reports whether every file of the split is in the data directory.
	Local bool `json:"local"`
	// Hub reports whether the split can be downloaded from the Hub.
	Hub bool `json:"hub"`
	// Files are the split's files in the data directory, read in order.
	Files []string `json:"files"`
	// HubFiles are the files downloaded instead when Files are not all present.
	HubFiles []HubFile `json:"hub_files,omitempty"`
}

// HasSplit reports whether the task has a split of that name.
func (i Info) HasSplit(name string) bool {
	for _, s := range i.Splits {
		if s.Name == name {
			return true
		}
	}
	return false
}
