package simserver

import (
	"fmt"
	"strings"
)

// Stage is the kind of reply a request asks for, read from the stage cues.
type Stage uint8

// The stages, in the order their cues are checked.
const (
	StageSelect Stage = iota
	StageJudge
	StageAdapt
	StageStructure
	StageSolve
	numStages
)

var stageNames = [numStages]string{"select", "judge", "adapt", "structure", "solve"}

// String returns the stage's name.
func (s Stage) String() string {
	if s < numStages {
		return stageNames[s]
	}
	return fmt.Sprintf("Stage(%d)", s)
}

// The cues of docs/DESIGN.md, lower case.
const (
	cueSelect    = "reply only with the numbers"
	cueReference = "reference answer:"
	cueYesNo     = "reply yes or no"
	cueAdapt     = "rewrite each selected guideline"
	cueStructure = "reasoning structure"
	cueProposed  = "proposed solution:"
	cueHint      = "hint"
)

// detectStage applies the cue table to the last user message.
func detectStage(prompt string) Stage {
	switch {
	case indexFold(prompt, cueSelect) >= 0:
		return StageSelect
	case indexFold(prompt, cueReference) >= 0 && indexFold(prompt, cueYesNo) >= 0:
		return StageJudge
	case indexFold(prompt, cueAdapt) >= 0:
		return StageAdapt
	case indexFold(prompt, cueStructure) >= 0:
		return StageStructure
	}
	return StageSolve
}

// indexFold returns the first index of sub in s ignoring ASCII case, or -1.
// sub must be lower case ASCII and not empty. It allocates nothing.
func indexFold(s, sub string) int {
	first, n := sub[0], len(sub)
	upper := first
	if 'a' <= first && first <= 'z' {
		upper -= 'a' - 'A'
	}
	for i := 0; i+n <= len(s); i++ {
		if c := s[i]; c != first && c != upper {
			continue
		}
		if equalFoldASCII(s[i:i+n], sub) {
			return i
		}
	}
	return -1
}

// lastIndexFold is indexFold from the end.
func lastIndexFold(s, sub string) int {
	for i := len(s) - len(sub); i >= 0; i-- {
		if equalFoldASCII(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// equalFoldASCII compares s with the lower-case lower, ignoring ASCII case.
func equalFoldASCII(s, lower string) bool {
	for j := 0; j < len(lower); j++ {
		c := s[j]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[j] {
			return false
		}
	}
	return true
}

// hinted reports whether a line of prompt contains "hint" and gold as a
// whole token.
func hinted(prompt, gold string) bool {
	if gold == "" {
		return false
	}
	for rest := prompt; ; {
		i := indexFold(rest, cueHint)
		if i < 0 {
			return false
		}
		start := strings.LastIndexByte(rest[:i], '\n') + 1
		end := len(rest)
		if j := strings.IndexByte(rest[i:], '\n'); j >= 0 {
			end = i + j
		}
		if containsToken(rest[start:end], gold) {
			return true
		}
		if end == len(rest) {
			return false
		}
		rest = rest[end+1:]
	}
}

// containsToken reports whether tok occurs in line with no letter or digit
// touching it on either side.
func containsToken(line, tok string) bool {
	for off := 0; ; {
		i := strings.Index(line[off:], tok)
		if i < 0 {
			return false
		}
		i += off
		j := i + len(tok)
		if (i == 0 || !isAlnum(line[i-1])) && (j == len(line) || !isAlnum(line[j])) {
			return true
		}
		off = i + 1
	}
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
