package eval

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/regenesis-ai/regenesis/internal/task"
)

// Protocols of evaluation.
const (
	// ProtocolZeroShot is our default: one zero-shot user turn per question
	// from the eval/<answer type> template, the final answer in \boxed{}.
	ProtocolZeroShot = "zeroshot"
	// ProtocolBBH is BIG-Bench Hard's own protocol, as the paper's authors
	// evaluate it: the benchmark's official 3-shot chain-of-thought prompt
	// of each subtask before the question, answers read after "So the
	// answer is", 2,048 new tokens, accuracy averaged over subtasks.
	ProtocolBBH = "bbh-3shot"
)

// BBHMaxTokens is the generation limit of the BBH protocol.
const BBHMaxTokens = 2048

// BBHShots is the number of worked examples in each official prompt file.
const BBHShots = 3

// bbhAnswerCue is the phrase the official exemplars end with.
const bbhAnswerCue = "So the answer is"

// BBHPrompts renders the BBH protocol's prompts from the official
// chain-of-thought prompt files, dir/<subtask>.txt (the benchmark's
// cot-prompts folder, see ../shared/data/bbh/cot-prompts/). Each file is
// read once, when its first question comes, and must hold exactly three
// worked examples.
type BBHPrompts struct {
	dir string
	mu  sync.Mutex
	// files maps a subtask to its prompt (task description and the three
	// examples), or the error reading it gave.
	files map[string]bbhFile
}

type bbhFile struct {
	prefix string
	err    error
}

// NewBBHPrompts returns the prompts of the files in dir.
func NewBBHPrompts(dir string) (*BBHPrompts, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("BBH protocol: official prompt folder: %w (it is the benchmark's cot-prompts folder, <data dir>/bbh/cot-prompts)", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("BBH protocol: %s is not a folder", dir)
	}
	return &BBHPrompts{dir: dir, files: map[string]bbhFile{}}, nil
}

// Subtask returns the BBH subtask of an example: the part of its task name
// after "bbh.", or, for the whole "bbh" task, the part of its ID before the
// record number ("navigate-12").
func Subtask(ex task.Example) (string, error) {
	if s, ok := strings.CutPrefix(ex.Task, "bbh."); ok {
		return s, nil
	}
	if ex.Task == "bbh" {
		if i := strings.LastIndexByte(ex.ID, '-'); i > 0 {
			return ex.ID[:i], nil
		}
	}
	return "", fmt.Errorf("BBH protocol: task %s question %s is not a BIG-Bench Hard question (use --suite bbh-reference, --suite bbh or bbh.<subtask> tasks)", ex.Task, ex.ID)
}

// Prompt renders the 3-shot prompt of ex: the subtask's official prompt
// (its one-line task description and three worked examples), then the
// question in the same "Q: ... A: Let's think step by step." form.
func (b *BBHPrompts) Prompt(ex task.Example) (string, error) {
	sub, err := Subtask(ex)
	if err != nil {
		return "", err
	}
	prefix, err := b.prefix(sub)
	if err != nil {
		return "", err
	}
	return prefix + "\n\nQ: " + strings.TrimSpace(ex.Question) + "\nA: Let's think step by step.", nil
}

func (b *BBHPrompts) prefix(sub string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if f, ok := b.files[sub]; ok {
		return f.prefix, f.err
	}
	path := filepath.Join(b.dir, sub+".txt")
	prefix, err := readBBHPrompt(path)
	b.files[sub] = bbhFile{prefix, err}
	return prefix, err
}

// readBBHPrompt reads an official prompt file: an optional canary header
// ending in a "-----" line, the task description, then the worked
// examples, each starting with "Q: " at the start of a paragraph.
func readBBHPrompt(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("BBH protocol: %w", err)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	if _, after, ok := strings.Cut(text, "\n-----\n"); ok {
		text = after
	}
	text = strings.TrimSpace(text)
	n := strings.Count("\n\n"+text, "\n\nQ: ")
	if n != BBHShots {
		return "", fmt.Errorf("BBH protocol: %s holds %d worked examples (paragraphs starting \"Q: \"), want %d", path, n, BBHShots)
	}
	if c := strings.Count(text, bbhAnswerCue); c != BBHShots {
		return "", fmt.Errorf("BBH protocol: %s: %d of its examples end with %q, want %d", path, c, bbhAnswerCue, BBHShots)
	}
	return text, nil
}

// bbhReply returns the part of a reply the BBH protocol reads its answer
// from: from the last "So the answer is" on (the answer phrases of
// internal/answer then read the fragment after it); a reply without the
// phrase is read whole.
func bbhReply(text string) string {
	if i := strings.LastIndex(text, bbhAnswerCue); i >= 0 {
		return text[i:]
	}
	return text
}
