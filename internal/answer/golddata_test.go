package answer_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// sharedData is the shared benchmark data, relative to this package.
var sharedData = filepath.Join("..", "..", "..", "shared", "data")

// wrongAnswer returns an answer that is not ex's gold: another option's
// label (one whose text differs), the gold number plus one, the other of
// yes/no, the gold LaTeX plus two, or the gold text shortened.
func wrongAnswer(ex task.Example) (string, bool) {
	gold := ex.Answer
	switch ex.Spec.Type {
	case answer.Choice:
		var goldText string
		for _, o := range ex.Spec.Options {
			if o.Label == gold {
				goldText = o.Text
			}
		}
		for _, o := range ex.Spec.Options {
			if o.Label != gold && !strings.EqualFold(strings.TrimSpace(o.Text), strings.TrimSpace(goldText)) {
				return o.Label, true
			}
		}
		return "", false
	case answer.Number:
		if v, err := strconv.ParseFloat(gold, 64); err == nil {
			return strconv.FormatFloat(v+1, 'f', -1, 64), true
		}
		if a, b, ok := strings.Cut(gold, "/"); ok {
			x, err1 := strconv.ParseFloat(a, 64)
			y, err2 := strconv.ParseFloat(b, 64)
			if err1 == nil && err2 == nil && y != 0 {
				return strconv.FormatFloat(x/y+1, 'g', 10, 64), true
			}
		}
		return "", false
	case answer.YesNo:
		if gold == "yes" {
			return "no", true
		}
		return "yes", true
	case answer.Math:
		// Not "+1": "1\frac{4}{5}+1" reads as 1·4/5 + 1, the gold's value.
		return gold + "+2", true
	default:
		if w := strings.Fields(gold); len(w) > 1 {
			return strings.Join(w[:len(w)-1], " "), true
		}
		return gold + gold, true
	}
}

// reply is one way a model writes an answer, and the mode that reads it.
type reply struct {
	text string
	mode answer.Mode
}

// repliesFor returns the ways a model writes ans for ex: boxed, after an
// answer phrase, alone on the last line; for a multiple-choice label also
// "(X) option text" boxed and the bare option text after a phrase.
func repliesFor(ex task.Example, ans string) []reply {
	boxed := ans
	if ex.Spec.Type == answer.Text { // as a model must write braces in a box
		boxed = strings.NewReplacer("{", `\{`, "}", `\}`).Replace(boxed)
	}
	rs := []reply{
		{"Step by step...\nSo the final answer is $\\boxed{" + boxed + "}$.", answer.Strict},
		{"Step by step...\nThe answer is: " + ans + "\n", answer.Lenient},
	}
	for _, o := range ex.Spec.Options {
		if o.Label != ans {
			continue
		}
		rs = append(rs, reply{"\\boxed{(" + o.Label + ") " + o.Text + "}", answer.Strict})
		// An option whose text is another option's label ("C") is
		// ambiguous written alone; the label wins.
		if !isLabelOf(o.Text, ex.Spec) || o.Text == o.Label {
			rs = append(rs, reply{"Therefore, the answer is " + o.Text + ".", answer.Lenient})
		}
	}
	return rs
}

// isLabelOf reports whether s is one of spec's option labels.
func isLabelOf(s string, spec answer.Spec) bool {
	for _, o := range spec.Options {
		if strings.EqualFold(strings.TrimSpace(s), o.Label) {
			return true
		}
	}
	return false
}

// TestGoldAnswersOfEveryTask runs every gold answer of every local split of
// every built-in task through the extractor the way a model would write
// it (repliesFor) and checks that it is read back equal to the gold; then
// writes a wrong answer (wrongAnswer) the same ways and checks that it is
// read back and not equal to the gold.
//
// The splits run in parallel. Tasks that share data (bbh and its
// subtasks, a task and its variants) and questions with the same answer
// and options give identical replies: an example whose replies (answer,
// type, options) already passed is counted without being read again, as
// Extract and Equal are pure functions of those; a failure is never
// cached, so each failing example is reported with its own ID.
func TestGoldAnswersOfEveryTask(t *testing.T) {
	t.Parallel()
	reg := task.NewRegistry(sharedData)
	ctx := context.Background()
	var total, correct, wrongTotal, wrongRead atomic.Int64
	var passed passedSet
	t.Cleanup(func() { // after every split's subtest
		t.Logf("%d of %d gold-answer replies read back correct, %d of %d wrong-answer replies read back wrong", correct.Load(), total.Load(), wrongRead.Load(), wrongTotal.Load())
		if total.Load() < 200000 {
			t.Errorf("only %d gold-answer replies: is the shared data at %s?", total.Load(), sharedData)
		}
	})
	for _, info := range reg.List() {
		tk, err := reg.Get(info.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, split := range info.Splits {
			if !split.Local {
				continue
			}
			t.Run(info.Name+"/"+split.Name, func(t *testing.T) {
				t.Parallel()
				n, failures := 0, 0
				fail := func(format string, args ...any) {
					if failures++; failures <= 5 {
						t.Errorf(format, args...)
					}
				}
				for ex, err := range tk.Examples(ctx, split.Name) {
					if err != nil {
						t.Fatal(err)
					}
					if ex.Answer == "" {
						continue
					}
					n++
					w, hasWrong := wrongAnswer(ex)
					gold := repliesFor(ex, ex.Answer)
					var wrong []reply
					if hasWrong {
						wrong = repliesFor(ex, w)
					}
					key := exampleKey(ex)
					if passed.has(key) {
						total.Add(int64(len(gold)))
						correct.Add(int64(len(gold)))
						wrongTotal.Add(int64(len(wrong)))
						wrongRead.Add(int64(len(wrong)))
						continue
					}
					ok := true
					for _, r := range gold {
						total.Add(1)
						got, found := answer.Extract(r.text, ex.Spec, r.mode)
						if !found || !answer.Equal(got, ex.Answer, ex.Spec) {
							fail("%s: %s gold %q: Extract(%q) = %q, %v", ex.ID, ex.Spec.Type, ex.Answer, r.text, got, found)
							ok = false
						} else {
							correct.Add(1)
						}
					}
					for _, r := range wrong {
						wrongTotal.Add(1)
						got, found := answer.Extract(r.text, ex.Spec, r.mode)
						if !found || answer.Equal(got, ex.Answer, ex.Spec) {
							fail("%s: %s gold %q, wrong %q: Extract(%q) = %q, %v; want a wrong answer", ex.ID, ex.Spec.Type, ex.Answer, w, r.text, got, found)
							ok = false
						} else {
							wrongRead.Add(1)
						}
					}
					if ok {
						passed.add(key)
					}
				}
				if failures > 0 {
					t.Errorf("%d failures among %d examples", failures, n)
				}
			})
		}
	}
}

// exampleKey identifies what the replies of TestGoldAnswersOfEveryTask
// for ex depend on: its answer type, gold answer and options (the ID and
// question text are never read).
func exampleKey(ex task.Example) [sha256.Size]byte {
	h := sha256.New()
	field := func(s string) { // length-prefixed: no two lists hash alike
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(string(ex.Spec.Type))
	field(ex.Answer)
	for _, o := range ex.Spec.Options {
		field(o.Label)
		field(o.Text)
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// passedSet is the keys of examples whose replies all read back right,
// shared by parallel subtests.
type passedSet struct {
	mu   sync.Mutex
	keys map[[sha256.Size]byte]bool
}

func (s *passedSet) has(k [sha256.Size]byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[k]
}

func (s *passedSet) add(k [sha256.Size]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil {
		s.keys = map[[sha256.Size]byte]bool{}
	}
	s.keys[k] = true
}

// aquaUnstated are the AQuA rationales that never state the option they
// lead to (they end with a value, "ANSWER: 3" for E, or "250=D" glued to
// the arithmetic): they must read as no answer, never as a wrong one.
var aquaUnstated = map[string]bool{
	"dev-2": true, "dev-78": true, "dev-113": true, "dev-136": true, "dev-139": true, "dev-200": true,
	"test-70": true, "test-103": true, "test-196": true,
	// The value without the option's unit ("17 minutes" for "17 min", "= 3"
	// for "3 hours"):
	"dev-214": true, "dev-248": true,
}

// lastBoxRE finds the start of the last \boxed{ of a text.
var lastBoxRE = regexp.MustCompile(`\\boxed\s*\{`)

// replaceLastBox replaces the content of the last \boxed{...} of s.
func replaceLastBox(s, with string) (string, bool) {
	locs := lastBoxRE.FindAllStringIndex(s, -1)
	if len(locs) == 0 {
		return "", false
	}
	start := locs[len(locs)-1][1]
	depth := 1
	for i := start; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return s[:start] + with + s[i:], true
			}
		}
	}
	return "", false
}

// replaceLabel replaces every standalone occurrence of an upper-case
// label in s, and the lower-case label where it is written as one ("(b)",
// "b)"), so the text states the other option wherever it stated this one.
func replaceLabel(s, label, with string) (string, bool) {
	re := regexp.MustCompile(`\b` + regexp.QuoteMeta(label) + `\b|\(` + strings.ToLower(label) + `\)|\b` + strings.ToLower(label) + `\)`)
	if !re.MatchString(s) {
		return "", false
	}
	return re.ReplaceAllStringFunc(s, func(m string) string {
		if m == label {
			return with
		}
		return strings.Replace(m, strings.ToLower(label), strings.ToLower(with), 1)
	}), true
}

// optionText returns the text of ex's option with label l.
func optionText(ex task.Example, l string) string {
	for _, o := range ex.Spec.Options {
		if o.Label == l {
			return o.Text
		}
	}
	return ""
}

// replaceOptionText replaces an option's text (any case, at word
// boundaries) in the last line of s with another option's text.
func replaceOptionText(s, text, with string) (string, bool) {
	if strings.TrimSpace(text) == "" || with == "" {
		return "", false
	}
	i := strings.LastIndexByte(strings.TrimRight(s, "\n"), '\n') + 1
	if t := strings.TrimPrefix(strings.TrimSpace(text), "$"); !strings.Contains(s[i:], strings.TrimSpace(text)) && strings.Contains(s[i:], t) {
		text, with = t, strings.TrimPrefix(strings.TrimSpace(with), "$") // "=618" for "$618"
	}
	re := regexp.MustCompile(`(?i)(^|[^\w.])` + regexp.QuoteMeta(strings.TrimSpace(text)) + `($|[^\w]|\.\D|\.$)`)
	if !re.MatchString(s[i:]) {
		return "", false
	}
	return s[:i] + re.ReplaceAllString(s[i:], "${1}"+strings.ReplaceAll(with, "$", "$$")+"${2}"), true
}

// substituteLastLine replaces the standalone gold number in the last line
// of a GSM8K solution (where it is stated: "the answer is 8", "80 is the
// answer", "= <<15*8=120>>120 pints") with another.
func substituteLastLine(s, gold, with string) string {
	i := strings.LastIndexByte(s, '\n') + 1
	re := regexp.MustCompile(`(^|[^\d.,])` + regexp.QuoteMeta(gold) + `($|[^\d]|[.,]\D|[.,]$)`)
	line := s[i:]
	for range 4 { // overlapping occurrences ("=8>>8")
		line = re.ReplaceAllString(line, "${1}"+with+"${2}")
	}
	return s[:i] + line
}

// TestGoldRationales scores every gold rationale that states its answer as
// a prediction (GSM8K solutions with their "#### N" line, MATH-500
// solutions, AQuA rationales), leniently: each must read back correct;
// then substitutes a wrong option or number into its final statement and
// checks that it reads back wrong. StrategyQA's "rationale" is its list of
// supporting facts, which states no answer, and is not scored.
func TestGoldRationales(t *testing.T) {
	t.Parallel()
	reg := task.NewRegistry(sharedData)
	ctx := context.Background()
	for _, name := range []string{"gsm8k", "math500", "aqua"} {
		local := 0
		tk, err := reg.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, split := range tk.Info().Splits {
			if !split.Local {
				continue
			}
			local++
			t.Run(name+"/"+split.Name, func(t *testing.T) {
				t.Parallel()
				n, correct, unstated, wrongRead, failures := 0, 0, 0, 0, 0
				fail := func(format string, args ...any) {
					if failures++; failures <= 5 {
						t.Errorf(format, args...)
					}
				}
				for ex, err := range tk.Examples(ctx, split.Name) {
					if err != nil {
						t.Fatal(err)
					}
					if ex.Rationale == "" || ex.Answer == "" {
						continue
					}
					n++
					w, _ := wrongAnswer(ex)
					text, bad := ex.Rationale, ""
					var ok bool
					switch name {
					case "gsm8k":
						text += "\n#### " + ex.Answer
						bad, ok = substituteLastLine(ex.Rationale, ex.Answer, w)+"\n#### "+w, true
					case "math500":
						bad, ok = replaceLastBox(text, w)
					case "aqua":
						bad, ok = replaceLabel(text, ex.Answer, w)
						if !ok {
							bad = text
						}
						// A rationale may state the option by its value
						// on its last line ("hence, sum = 14").
						if b, ok2 := replaceOptionText(bad, optionText(ex, ex.Answer), optionText(ex, w)); ok2 {
							bad, ok = b, true
						}
					}
					got, found := answer.Extract(text, ex.Spec, answer.Lenient)
					switch {
					case name == "aqua" && aquaUnstated[ex.ID]:
						if found {
							fail("%s: rationale that states no option read as %q", ex.ID, got)
						}
						unstated++
						continue
					case !found || !answer.Equal(got, ex.Answer, ex.Spec):
						fail("%s: gold %q: rationale read as %q, %v: ...%s", ex.ID, ex.Answer, got, found, tail(text))
						continue
					}
					correct++
					if !ok {
						fail("%s: no final statement to substitute %q into", ex.ID, w)
						continue
					}
					if got, found := answer.Extract(bad, ex.Spec, answer.Lenient); !found || answer.Equal(got, ex.Answer, ex.Spec) {
						fail("%s: gold %q, wrong %q substituted: read as %q, %v: ...%s", ex.ID, ex.Answer, w, got, found, tail(bad))
					} else {
						wrongRead++
					}
				}
				t.Logf("%s/%s: %d rationales, %d read back correct, %d state no answer (read as none), %d with a wrong answer substituted read back wrong", name, split.Name, n, correct, unstated, wrongRead)
				if n == 0 || failures > 0 {
					t.Errorf("%d failures among %d rationales", failures, n)
				}
			})
		}
		if local == 0 {
			t.Errorf("%s: no local split: is the shared data at %s?", name, sharedData)
		}
	}
}

func tail(s string) string {
	if r := []rune(s); len(r) > 200 {
		return string(r[len(r)-200:])
	}
	return s
}

// bbhExemplarRE splits a BBH chain-of-thought prompt into its exemplars:
// the question (with its options) and the reasoning after "A:".
var bbhExemplarRE = regexp.MustCompile(`(?s)Q: (.*?)\nA: (.*?)(?:\n\nQ: |\s*$)`)

// bbhFinalRE is the final statement of a BBH exemplar.
var bbhFinalRE = regexp.MustCompile(`So the answer is (.+?)\.?\s*$`)

// bbhOptionRE is one option line of a BBH question.
var bbhOptionRE = regexp.MustCompile(`(?m)^\(([A-R])\)\s*(.*?)\s*$`)

// TestBBHChainOfThoughtRationales scores the reasoning of every exemplar
// of every BIG-Bench Hard chain-of-thought prompt (cot-prompts/*.txt) as
// a prediction: each must read back as the answer its last sentence
// gives, and with a wrong answer substituted there it must read as wrong.
func TestBBHChainOfThoughtRationales(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(sharedData, "bbh", "cot-prompts", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no BBH chain-of-thought prompts: %v", err)
	}
	reg := task.NewRegistry(sharedData)
	n, wrongRead := 0, 0
	for _, f := range files {
		sub := strings.TrimSuffix(filepath.Base(f), ".txt")
		tk, err := reg.Get("bbh." + sub)
		if err != nil {
			t.Fatal(err)
		}
		typ := tk.Info().AnswerType
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		body := string(data)
		if _, after, ok := strings.Cut(body, "-----\n"); ok {
			body = after
		}
		// Exemplars are separated by blank lines before "Q:".
		start := strings.Index(body, "Q: ")
		if start < 0 {
			t.Fatalf("%s: no exemplar", f)
		}
		for _, chunk := range strings.Split(body[start:], "\n\nQ: ") {
			chunk = strings.TrimPrefix(chunk, "Q: ")
			q, reasoning, ok := strings.Cut(chunk, "\nA: ")
			if !ok {
				t.Fatalf("%s: exemplar without \"A:\": %q", f, chunk)
			}
			reasoning = strings.TrimSpace(reasoning)
			m := bbhFinalRE.FindStringSubmatchIndex(reasoning)
			if m == nil {
				t.Fatalf("%s: exemplar without a final answer: %q", f, tail(reasoning))
			}
			stated := reasoning[m[2]:m[3]]
			ex := task.Example{ID: sub, Spec: answer.Spec{Type: typ}, Answer: bbhGold(stated, typ)}
			if typ == answer.Choice {
				_, opts, _ := strings.Cut(q, "Options:")
				for _, o := range bbhOptionRE.FindAllStringSubmatch(opts, -1) {
					ex.Spec.Options = append(ex.Spec.Options, answer.Option{Label: o[1], Text: o[2]})
				}
			}
			n++
			got, found := answer.Extract(reasoning, ex.Spec, answer.Lenient)
			if !found || !answer.Equal(got, ex.Answer, ex.Spec) {
				t.Errorf("%s: stated %q (gold %q): read as %q, %v", sub, stated, ex.Answer, got, found)
				continue
			}
			w, ok := wrongAnswer(ex)
			if !ok {
				t.Errorf("%s: no wrong answer for gold %q", sub, ex.Answer)
				continue
			}
			if typ == answer.Choice {
				w = "(" + w + ")"
			}
			bad := reasoning[:m[2]] + w + reasoning[m[3]:]
			if got, found := answer.Extract(bad, ex.Spec, answer.Lenient); !found || answer.Equal(got, ex.Answer, ex.Spec) {
				t.Errorf("%s: gold %q, wrong %q substituted: read as %q, %v", sub, ex.Answer, w, got, found)
			} else {
				wrongRead++
			}
		}
	}
	if n != 3*len(files) {
		t.Errorf("read %d exemplars from %d prompts, want 3 each", n, len(files))
	}
	t.Logf("%d BBH chain-of-thought exemplars read back correct; %d with a wrong answer substituted read back wrong", n, wrongRead)
}

// bbhGold is the gold answer a BBH exemplar's final statement gives, in the
// task's canonical form.
func bbhGold(stated string, typ answer.Type) string {
	s := strings.TrimSpace(stated)
	switch typ {
	case answer.Choice:
		return strings.Trim(s, "()")
	case answer.YesNo:
		switch strings.ToLower(s) {
		case "yes", "true", "valid":
			return "yes"
		}
		return "no"
	}
	return s
}
