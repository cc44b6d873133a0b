// Package merge combines the directories of a sharded run (synthesize or
// eval with --shard I/N) into the directory the unsharded run would have
// written: sft.jsonl, candidates.jsonl, manifest.json and synth-index.jsonl
// for a synthesis; predictions.jsonl, results.json and eval-index.jsonl for
// an evaluation, every line in input order.
//
// The shards' lines are copied byte for byte, in the order of the input
// positions their index files record (a k-way merge: memory holds one line
// per shard, not the run), and the manifest or results are recounted from
// them in that order, exactly as the unsharded run counts them. What is
// specific to a run, not to its data, is carried over as documented in
// docs/SCALING.md: the command line is the first shard's without --shard
// and with the merge's --out; wall time and this-invocation usage are the
// shards' sums.
//
// The merge refuses shards that disagree in settings, overlap, are missing
// or incomplete, naming the shard and the questions.
package merge

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/eval"
	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/secret"
	"github.com/regenesis-ai/regenesis/internal/shard"
	"github.com/regenesis-ai/regenesis/internal/synth"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// Kinds of run directory.
const (
	Synthesis  = "synthesis"
	Evaluation = "evaluation"
)

// Summary describes a finished merge.
type Summary struct {
	Kind      string
	Shards    int
	Questions int
	Out       string
}

// part is one shard directory.
type part struct {
	dir   string
	info  shard.Info
	synth *synth.Manifest
	eval  *eval.Results
}

func (p *part) name() string {
	return fmt.Sprintf("shard %d/%d (%s)", p.info.Index, p.info.Count, p.dir)
}

// Run merges dirs into out. out may be one of dirs only when it is the sole
// one (merging a merged or unsharded directory again rewrites the same
// bytes); a run directory with a store that is not an input is refused, so
// that no run's outputs are overwritten.
func Run(ctx context.Context, dirs []string, out string) (*Summary, error) {
	if len(dirs) == 0 {
		return nil, errors.New("merge: no directories given")
	}
	if out == "" {
		return nil, errors.New("merge: --out is required")
	}
	kind, err := detectKind(dirs)
	if err != nil {
		return nil, err
	}
	parts, err := load(kind, dirs)
	if err != nil {
		return nil, err
	}
	if err := checkOut(out, dirs); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	var n int
	if kind == Synthesis {
		n, err = mergeSynth(ctx, parts, out)
	} else {
		n, err = mergeEval(ctx, parts, out)
	}
	if err != nil {
		return nil, err
	}
	return &Summary{Kind: kind, Shards: len(parts), Questions: n, Out: out}, nil
}

func exists(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

// detectKind tells synthesis from evaluation directories by their files;
// a run directory with nothing but its store (a run that did not finish)
// takes the others' kind.
func detectKind(dirs []string) (string, error) {
	kind, first := "", ""
	for _, d := range dirs {
		st, err := os.Stat(d)
		if err != nil {
			return "", fmt.Errorf("merge: %w", err)
		}
		if !st.IsDir() {
			return "", fmt.Errorf("merge: %s is not a directory", d)
		}
		var k string
		switch {
		case exists(d, rundir.ManifestFile), exists(d, rundir.IndexFile), exists(d, rundir.IndexFile+rundir.PartialSuffix), exists(d, rundir.CandidatesFile+rundir.PartialSuffix):
			k = Synthesis
		case exists(d, eval.ResultsFile), exists(d, eval.IndexFile), exists(d, eval.PredictionsFile):
			k = Evaluation
		case exists(d, "store.db"):
			continue
		default:
			return "", fmt.Errorf("merge: %s holds neither a synthesis (%s) nor an evaluation (%s): is it a run directory?", d, rundir.ManifestFile, eval.ResultsFile)
		}
		if kind != "" && k != kind {
			return "", fmt.Errorf("merge: %s is a %s run but %s is a %s run", d, k, first, kind)
		}
		kind, first = k, d
	}
	if kind == "" {
		var msgs []string
		for _, d := range dirs {
			msgs = append(msgs, d+" is incomplete: it holds only its run store (its run did not finish); run the same command again to resume it")
		}
		return "", fmt.Errorf("merge: no shard has finished:\n  - %s", strings.Join(msgs, "\n  - "))
	}
	return kind, nil
}

// checkOut refuses an output directory whose run outputs would be lost.
func checkOut(out string, dirs []string) error {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			return filepath.Clean(p)
		}
		return a
	}
	o := abs(out)
	for _, d := range dirs {
		if abs(d) == o && len(dirs) > 1 {
			return fmt.Errorf("merge: --out %s is one of the shards; write the merge to a new directory", out)
		}
	}
	if exists(out, "store.db") && !slices.ContainsFunc(dirs, func(d string) bool { return abs(d) == o }) {
		return fmt.Errorf("merge: --out %s is a run directory (it has a store.db); write the merge to a new directory", out)
	}
	return nil
}

// load reads every shard's manifest or results and checks that together
// they are one complete run: same settings, same partition, each shard
// once, each finished.
func load(kind string, dirs []string) ([]*part, error) {
	var problems []string
	var parts []*part
	for _, d := range dirs {
		p, err := loadPart(kind, d)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		parts = append(parts, p)
	}
	if len(parts) > 0 {
		problems = append(problems, checkParts(parts)...)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("merge: the shards do not make one complete run:\n  - %s", strings.Join(problems, "\n  - "))
	}
	slices.SortFunc(parts, func(a, b *part) int { return a.info.Index - b.info.Index })
	return parts, nil
}

func loadPart(kind, dir string) (*part, error) {
	p := &part{dir: dir}
	if kind == Synthesis {
		if !exists(dir, rundir.ManifestFile) || !exists(dir, rundir.IndexFile) {
			done := countLines(filepath.Join(dir, rundir.IndexFile+rundir.PartialSuffix))
			return nil, fmt.Errorf("%s is incomplete: no %s (its run did not finish; %d of its questions were written); run the same synthesize command again to resume it", dir, rundir.ManifestFile, done)
		}
		m, err := synth.ReadManifest(dir)
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		p.synth = m
		if m.Shard != nil {
			p.info = *m.Shard
		} else {
			p.info = shard.Info{Index: 0, Count: 1, InputQuestions: m.Counts.Questions}
		}
		return p, nil
	}
	if !exists(dir, eval.ResultsFile) || !exists(dir, eval.IndexFile) {
		return nil, fmt.Errorf("%s is incomplete: no %s (its run did not finish); run the same eval command again to resume it", dir, eval.ResultsFile)
	}
	r, err := readResults(filepath.Join(dir, eval.ResultsFile))
	if err != nil {
		return nil, err
	}
	p.eval = r
	if r.Shard != nil {
		p.info = *r.Shard
	} else {
		n := 0
		for _, t := range r.Tasks {
			n += t.N + t.Unlabeled
		}
		p.info = shard.Info{Index: 0, Count: 1, InputQuestions: n}
	}
	return p, nil
}

// checkParts compares every shard with the first and looks for missing
// and repeated shards.
func checkParts(parts []*part) []string {
	var problems []string
	first := parts[0]
	byIndex := map[int]*part{}
	for _, p := range parts {
		if p.info.Count != first.info.Count {
			problems = append(problems, fmt.Sprintf("%s and %s split the run differently (%d and %d shards)", first.name(), p.name(), first.info.Count, p.info.Count))
			continue
		}
		if p.info.InputQuestions != first.info.InputQuestions {
			problems = append(problems, fmt.Sprintf("%s read %d input questions but %s read %d: they ran over different inputs (task data, --limit or --split)", first.name(), first.info.InputQuestions, p.name(), p.info.InputQuestions))
		}
		if q, ok := byIndex[p.info.Index]; ok {
			problems = append(problems, fmt.Sprintf("%s and %s overlap: both are shard %d/%d", q.dir, p.dir, p.info.Index, p.info.Count))
			continue
		}
		byIndex[p.info.Index] = p
		if p != first {
			for _, d := range settingsDiff(first, p) {
				problems = append(problems, fmt.Sprintf("%s and %s differ in settings: %s", first.name(), p.name(), d))
			}
		}
	}
	var missing []string
	for i := range first.info.Count {
		if byIndex[i] == nil {
			missing = append(missing, fmt.Sprintf("%d/%d", i, first.info.Count))
		}
	}
	if len(missing) > 0 && !slices.ContainsFunc(problems, func(s string) bool { return strings.Contains(s, "split the run differently") }) {
		problems = append(problems, fmt.Sprintf("shard %s missing: no directory given holds it (its questions are those whose id hashes to it; run that shard and merge again)", strings.Join(missing, ", ")))
	}
	return problems
}

// settingsDiff names the settings in which p differs from first: what
// decides the data, not where or how fast it ran.
func settingsDiff(first, p *part) []string {
	var fa, fb map[string]any
	if first.synth != nil {
		fa, fb = synthSettings(first.synth), synthSettings(p.synth)
	} else {
		fa, fb = evalSettings(first.eval), evalSettings(p.eval)
	}
	var diffs []string
	flatA, flatB := map[string]string{}, map[string]string{}
	flatten("", fa, flatA)
	flatten("", fb, flatB)
	keys := map[string]bool{}
	for k := range flatA {
		keys[k] = true
	}
	for k := range flatB {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		a, ok1 := flatA[k]
		b, ok2 := flatB[k]
		if !ok1 {
			a = "(none)"
		}
		if !ok2 {
			b = "(none)"
		}
		if a != b {
			diffs = append(diffs, fmt.Sprintf("%s = %s vs %s", k, a, b))
		}
	}
	return diffs
}

// flatten turns nested JSON values into dotted keys.
func flatten(prefix string, v any, out map[string]string) {
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(key, x, out)
		}
		return
	}
	b, _ := json.Marshal(v)
	out[prefix] = string(b)
}

// asJSONMap round-trips v through JSON into nested maps.
func asJSONMap(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	_ = d.Decode(&m)
	return m
}

func synthSettings(m *synth.Manifest) map[string]any {
	return asJSONMap(map[string]any{
		"version": m.Version, "method": m.Method, "task": m.Task, "split": m.Split, "model": m.Model,
		"config": m.Config, "guidelines": m.Guidelines, "prompt_hashes": m.PromptHashes,
	})
}

func evalSettings(r *eval.Results) map[string]any {
	tasks := map[string]any{}
	for name, t := range r.Tasks {
		tasks[name] = map[string]any{"group": t.Group, "split": t.Split, "mode": t.Mode}
	}
	s := map[string]any{
		"model": r.Model, "split": r.Split, "limit": r.Limit, "mode": r.Mode, "samples": r.Samples,
		"temperature": r.Temperature, "top_p": r.TopP, "max_tokens": r.MaxTokens, "seed": r.Seed, "protocol": r.Protocol, "tasks": tasks,
	}
	if r.Config != nil {
		s["version"] = r.Config["version"]
		s["prompt_hashes"] = r.Config["prompt_hashes"]
	}
	return asJSONMap(s)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("merge: %s: %w", path, err)
	}
	return nil
}

// readResults reads results.json keeping the numbers of its free-form
// config as written, so that they are written back the same.
func readResults(path string) (*eval.Results, error) {
	var r eval.Results
	if err := readJSON(path, &r); err != nil {
		return nil, err
	}
	if r.Model == "" {
		return nil, fmt.Errorf("merge: %s: field \"model\" is missing", path)
	}
	for name, t := range r.Tasks {
		if t == nil {
			return nil, fmt.Errorf("merge: %s: tasks.%s is null", path, name)
		}
	}
	return &r, nil
}

func countLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			n++
		}
		if err == io.EOF {
			return n
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return n
		}
	}
}

// lines reads one JSON Lines file of a shard (through fileio's reader),
// one line at a time, each as its bytes.
type lines struct {
	path string
	f    *os.File
	next func() (fileio.Line[json.RawMessage], error, bool)
	stop func()
	n    int
}

func openLines(dir, name string) (*lines, error) {
	path := filepath.Join(dir, name)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	next, stop := iter.Pull2(fileio.ReadLines[json.RawMessage](path, f))
	return &lines{path: path, f: f, next: next, stop: stop}, nil
}

// line returns the next line with its newline, or io.EOF.
func (l *lines) line() ([]byte, error) {
	v, err, ok := l.next()
	if !ok {
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	l.n = v.N
	return append(v.Value, '\n'), nil
}

// atEOF fails unless every line was read.
func (l *lines) atEOF() error {
	if _, err := l.line(); err != io.EOF {
		return fmt.Errorf("merge: %s has lines beyond those its index lists (line %d): the shard is damaged", l.path, l.n)
	}
	return nil
}

func (l *lines) close() {
	l.stop()
	l.f.Close()
}

// head is a shard's next question in the k-way merge.
type head struct {
	index int
	task  string
	id    string
	raw   []byte // the index line
	ok    bool
}

// cursor walks one shard's index file.
type cursor struct {
	p    *part
	idx  *lines
	head head
	last int
}

func (c *cursor) advance() error {
	raw, err := c.idx.line()
	if err == io.EOF {
		c.head = head{}
		return nil
	}
	if err != nil {
		return err
	}
	var rec struct {
		Index *int   `json:"index"`
		Task  string `json:"task"`
		ID    string `json:"id"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil || rec.Index == nil {
		return fmt.Errorf("merge: %s line %d: not an index record (want {\"index\":N,...}): %v", c.idx.path, c.idx.n, err)
	}
	if *rec.Index <= c.last {
		return fmt.Errorf("merge: %s line %d: input position %d after %d: the index is out of order", c.idx.path, c.idx.n, *rec.Index, c.last)
	}
	if *rec.Index >= c.p.info.InputQuestions {
		return fmt.Errorf("merge: %s line %d: input position %d beyond the %d input questions", c.idx.path, c.idx.n, *rec.Index, c.p.info.InputQuestions)
	}
	c.last = *rec.Index
	c.head = head{index: *rec.Index, task: rec.Task, id: rec.ID, raw: raw, ok: true}
	return nil
}

// walk runs the k-way merge over the shards' index files, calling emit
// for each question in input order, and checks that the questions are
// each in the shard that owns them, once, and all there.
func walk(ctx context.Context, parts []*part, indexFile, taskName string, emit func(c *cursor) error) (int, error) {
	cursors := make([]*cursor, len(parts))
	for i, p := range parts {
		l, err := openLines(p.dir, indexFile)
		if err != nil {
			return 0, err
		}
		defer l.close()
		cursors[i] = &cursor{p: p, idx: l, last: -1}
		if err := cursors[i].advance(); err != nil {
			return 0, err
		}
	}
	total := parts[0].info.InputQuestions
	count, prev := 0, -1
	var gaps []string
	gap := func(from, to int) { // positions [from, to) are missing
		for i := from; i < to && len(gaps) <= 10; i++ {
			gaps = append(gaps, strconv.Itoa(i))
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		var best *cursor
		for _, c := range cursors {
			if !c.head.ok {
				continue
			}
			if best != nil && c.head.index == best.head.index {
				return 0, fmt.Errorf("merge: input position %d (question %s) is in both %s and %s: the shards overlap", c.head.index, c.head.id, best.p.name(), c.p.name())
			}
			if best == nil || c.head.index < best.head.index {
				best = c
			}
		}
		if best == nil {
			break
		}
		h := best.head
		if n := best.p.info.Count; n > 1 {
			t := cmpOr(h.task, taskName)
			if owner := shard.Of(t, h.id, n); owner != best.p.info.Index {
				return 0, fmt.Errorf("merge: question %s (input position %d) is in %s but belongs to shard %d/%d", h.id, h.index, best.p.name(), owner, n)
			}
		}
		gap(prev+1, h.index)
		prev = h.index
		if err := emit(best); err != nil {
			return 0, err
		}
		count++
		if err := best.advance(); err != nil {
			return 0, err
		}
	}
	gap(prev+1, total)
	if count != total || len(gaps) > 0 {
		more := ""
		if len(gaps) > 10 {
			gaps, more = gaps[:10], " and more"
		}
		return 0, fmt.Errorf("merge: the shards hold %d of the %d input questions; missing input positions %s%s (a shard's outputs are incomplete or damaged: re-run the shard that owns them)", count, total, strings.Join(gaps, ", "), more)
	}
	return count, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// createAll starts the merged outputs, written to temporary files and
// renamed into place only once the whole merge succeeded.
func createAll(dir string, names ...string) ([]*fileio.File, error) {
	var files []*fileio.File
	for _, n := range names {
		f, err := fileio.Create(filepath.Join(dir, n))
		if err != nil {
			for _, f := range files {
				f.Abort()
			}
			return nil, fmt.Errorf("merge: %w", err)
		}
		files = append(files, f)
	}
	return files, nil
}

// commit renames every file into place.
func commit(files []*fileio.File) error {
	for _, f := range files {
		if err := f.Commit(); err != nil {
			return fmt.Errorf("merge: %w", err)
		}
	}
	return nil
}

// write appends a line to a merged output.
func write(f *fileio.File, line []byte) error {
	if _, err := f.Write(line); err != nil {
		return fmt.Errorf("merge: write %s: %w", f.Path(), err)
	}
	return nil
}

// unshardedCommand is a shard's command line as the unsharded run's: no
// --shard, and --out the merge's.
func unshardedCommand(cmd []string, out string) []string {
	var line []string
	for _, a := range cmd {
		switch {
		case strings.HasPrefix(a, "--shard="):
		case strings.HasPrefix(a, "--out="):
			line = append(line, "--out="+out)
		default:
			line = append(line, a)
		}
	}
	return line
}

func mergeSynth(ctx context.Context, parts []*part, out string) (n int, err error) {
	files, err := createAll(out, rundir.SFTFile, rundir.CandidatesFile, rundir.IndexFile)
	if err != nil {
		return 0, err
	}
	defer func() {
		for _, f := range files {
			f.Abort() // a no-op once committed
		}
	}()
	sftOut, candOut, idxOut := files[0], files[1], files[2]
	type readers struct{ sft, cand *lines }
	rs := map[*part]readers{}
	for _, p := range parts {
		s, err := openLines(p.dir, rundir.SFTFile)
		if err != nil {
			return 0, err
		}
		defer s.close()
		c, err := openLines(p.dir, rundir.CandidatesFile)
		if err != nil {
			return 0, err
		}
		defer c.close()
		rs[p] = readers{s, c}
	}
	base := parts[0].synth
	m := *base
	m.Begin(base.Method)
	m.Shard = nil
	m.Command = unshardedCommand(base.Command, out)
	m.Run = synth.RunInfo{}
	var servers [][]llm.ServerStats
	for _, p := range parts {
		m.Run.WallSeconds += p.synth.Run.WallSeconds
		addUsage(&m.Run.Usage, p.synth.Run.Usage)
		servers = append(servers, p.synth.Run.Servers)
	}
	m.Run.Servers = sumServers(servers)
	n, err = walk(ctx, parts, rundir.IndexFile, base.Task, func(c *cursor) error {
		var rec rundir.IndexRecord
		if err := json.Unmarshal(c.head.raw, &rec); err != nil {
			return fmt.Errorf("merge: %s line %d: %w", c.idx.path, c.idx.n, err)
		}
		r := rs[c.p]
		o := method.Outcome{
			Example: task.Example{ID: rec.ID, Task: rec.Task}, Calls: rec.Calls, Usage: rec.Usage,
			StoppedEarly: rec.StoppedEarly, Candidates: make([]method.Candidate, 0, rec.Candidates),
		}
		for range rec.Candidates {
			line, err := r.cand.line()
			if err != nil {
				return missingLines(err, r.cand, c)
			}
			var cand method.Candidate
			if err := json.Unmarshal(line, &cand); err != nil {
				return fmt.Errorf("merge: %s line %d: %w", r.cand.path, r.cand.n, err)
			}
			if cand.QuestionID != rec.ID {
				return fmt.Errorf("merge: %s line %d is of question %s, but its index says %s comes next: the shard is damaged", r.cand.path, r.cand.n, cand.QuestionID, rec.ID)
			}
			o.Candidates = append(o.Candidates, cand)
			if err := write(candOut, line); err != nil {
				return err
			}
		}
		for range rec.SFT {
			line, err := r.sft.line()
			if err != nil {
				return missingLines(err, r.sft, c)
			}
			var s rundir.Record
			if err := json.Unmarshal(line, &s); err != nil {
				return fmt.Errorf("merge: %s line %d: %w", r.sft.path, r.sft.n, err)
			}
			if s.QuestionID != rec.ID {
				return fmt.Errorf("merge: %s line %d is of question %s, but its index says %s comes next: the shard is damaged", r.sft.path, r.sft.n, s.QuestionID, rec.ID)
			}
			if err := write(sftOut, line); err != nil {
				return err
			}
		}
		m.Record(o)
		return write(idxOut, c.head.raw)
	})
	if err != nil {
		return 0, err
	}
	if money := base.Cost.Money; money != nil {
		m.Cost.Money = money.Pricing.MoneyFor(m.Cost.PromptTokens, m.Cost.CompletionTokens, m.Counts.Questions, m.Counts.Kept)
	}
	for _, p := range parts {
		if err := rs[p].sft.atEOF(); err != nil {
			return 0, err
		}
		if err := rs[p].cand.atEOF(); err != nil {
			return 0, err
		}
	}
	if err := commit(files); err != nil {
		return 0, err
	}
	if err := synth.WriteManifest(out, &m); err != nil {
		return 0, err
	}
	return n, nil
}

func missingLines(err error, l *lines, c *cursor) error {
	if err == io.EOF {
		return fmt.Errorf("merge: %s ends before the lines of question %s its index lists: the shard is damaged", l.path, c.head.id)
	}
	return err
}

// sumServers adds up, per server URL, what the servers did for each shard,
// sorted by URL (nil when no shard recorded any).
func sumServers(per [][]llm.ServerStats) []llm.ServerStats {
	by := map[string]*llm.ServerStats{}
	for _, list := range per {
		for _, s := range list {
			t := by[s.URL]
			if t == nil {
				t = &llm.ServerStats{URL: s.URL, Left: true}
				by[s.URL] = t
			}
			t.Requests += s.Requests
			t.Answered += s.Answered
			t.Failed += s.Failed
			t.PromptTokens += s.PromptTokens
			t.CompletionTokens += s.CompletionTokens
			t.Left = t.Left && s.Left
		}
	}
	if len(by) == 0 {
		return nil
	}
	out := make([]llm.ServerStats, 0, len(by))
	for _, url := range slices.Sorted(maps.Keys(by)) {
		out = append(out, *by[url])
	}
	return out
}

func addUsage(a *synth.Usage, b synth.Usage) {
	a.Requests += b.Requests
	a.Samples += b.Samples
	a.CachedSamples += b.CachedSamples
	a.PromptTokens += b.PromptTokens
	a.CompletionTokens += b.CompletionTokens
	a.CachedPromptTokens += b.CachedPromptTokens
	a.CachedCompletionTokens += b.CachedCompletionTokens
}

func mergeEval(ctx context.Context, parts []*part, out string) (n int, err error) {
	files, err := createAll(out, eval.PredictionsFile, eval.IndexFile)
	if err != nil {
		return 0, err
	}
	defer func() {
		for _, f := range files {
			f.Abort() // a no-op once committed
		}
	}()
	predOut, idxOut := files[0], files[1]
	preds := map[*part]*lines{}
	for _, p := range parts {
		l, err := openLines(p.dir, eval.PredictionsFile)
		if err != nil {
			return 0, err
		}
		defer l.close()
		preds[p] = l
	}
	base := parts[0].eval
	res := base.Recount()
	res.WallSeconds = 0
	var servers [][]llm.ServerStats
	for _, p := range parts {
		res.WallSeconds += p.eval.WallSeconds
		servers = append(servers, p.eval.Servers)
	}
	res.Servers = sumServers(servers)
	if base.Config != nil {
		res.Config = make(map[string]any, len(base.Config))
		for k, v := range base.Config {
			res.Config[k] = v
		}
		if argv, ok := base.Config["command"].([]any); ok {
			line := make([]string, 0, len(argv))
			for _, a := range argv {
				if s, ok := a.(string); ok {
					line = append(line, s)
				}
			}
			line = unshardedCommand(line, out)
			res.Config["command"] = line
			if _, ok := base.Config["command_line"]; ok {
				res.Config["command_line"] = secret.ShellJoin(line)
			}
		}
		if flags, ok := base.Config["flags"].(map[string]any); ok {
			f := make(map[string]any, len(flags))
			for k, v := range flags {
				f[k] = v
			}
			delete(f, "shard")
			if _, ok := f["out"]; ok {
				f["out"] = out
			}
			res.Config["flags"] = f
		}
	}
	n, err = walk(ctx, parts, eval.IndexFile, "", func(c *cursor) error {
		l := preds[c.p]
		line, err := l.line()
		if err != nil {
			return missingLines(err, l, c)
		}
		var p eval.Prediction
		if err := json.Unmarshal(line, &p); err != nil {
			return fmt.Errorf("merge: %s line %d: %w", l.path, l.n, err)
		}
		if p.QuestionID != c.head.id || p.Task != c.head.task {
			return fmt.Errorf("merge: %s line %d is of %s question %s, but its index says %s question %s comes next: the shard is damaged", l.path, l.n, p.Task, p.QuestionID, c.head.task, c.head.id)
		}
		if err := res.Add(&p); err != nil {
			return fmt.Errorf("merge: %s line %d: %w", l.path, l.n, err)
		}
		if err := write(predOut, line); err != nil {
			return err
		}
		return write(idxOut, c.head.raw)
	})
	if err != nil {
		return 0, err
	}
	for _, p := range parts {
		if err := preds[p].atEOF(); err != nil {
			return 0, err
		}
	}
	res.Finish()
	if err := commit(files); err != nil {
		return 0, err
	}
	if err := eval.WriteResults(out, res); err != nil {
		return 0, err
	}
	return n, nil
}
