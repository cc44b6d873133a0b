package task

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cespare/xxhash/v2"
)

// part is one file of a split, in the data directory or on the Hub.
type part struct {
	split  string
	tag    string // the subtask, round, type or subject the file holds; "" when none
	path   string // local: path under the task's folder (slash-separated); Hub: path in the repository
	format format // "" for a Hub file means from its extension
	key    string // formatJSON: key of the array in the top-level object
	// zipArchive and zipMember are an alternative local location: a member of
	// an archive the way the publisher ships it ("anli_v1.0.zip" holding
	// "anli_v1.0/R1/dev.jsonl").
	zipArchive, zipMember string
	repo, revision        string // Hub files only
}

// splitDef is a split and its files, read in order: the local files when
// all are in the data directory, else the Hub files.
type splitDef struct {
	name  string
	count int
	local []part
	hub   []part
}

// taskDef is a registered task.
type taskDef struct {
	info      Info
	dir       string // folder of the task's local files
	splits    []splitDef
	normalize normalizer
	// plain marks custom tasks, whose file paths are used as given.
	plain bool
}

// Task is a registered task bound to its registry's data directory and Hub.
type Task struct {
	def *taskDef
	hub *Hub
}

// Info describes the task, reporting which splits are present locally.
func (t *Task) Info() Info {
	info := t.def.info
	info.Splits = make([]Split, len(t.def.splits))
	for i, s := range t.def.splits {
		_, local := t.localRefs(s)
		split := Split{Name: s.name, Count: s.count, Local: local, Hub: len(s.hub) > 0}
		for _, p := range s.local {
			split.Files = append(split.Files, t.localPath(p))
		}
		for _, p := range s.hub {
			split.HubFiles = append(split.HubFiles, HubFile{Repo: p.repo, Revision: p.revision, Path: p.path})
		}
		info.Splits[i] = split
	}
	return info
}

// Name is the task's registry name.
func (t *Task) Name() string { return t.def.info.Name }

// localRefs returns the split's files in the data directory, if all are there.
func (t *Task) localRefs(s splitDef) ([]fileRef, bool) {
	refs := make([]fileRef, 0, len(s.local))
	for _, p := range s.local {
		ref, ok := t.localRef(p)
		if !ok {
			return nil, false
		}
		refs = append(refs, ref)
	}
	return refs, len(refs) > 0
}

func (t *Task) localPath(p part) string {
	path := filepath.FromSlash(p.path)
	if t.def.plain {
		return path
	}
	return filepath.Join(t.def.dir, path)
}

// localRef returns the file of p in the data directory, if it is there.
func (t *Task) localRef(p part) (fileRef, bool) {
	path := t.localPath(p)
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		return fileRef{path: path, format: p.format, key: p.key}, true
	}
	if p.zipArchive != "" {
		archive := filepath.Join(t.def.dir, filepath.FromSlash(p.zipArchive))
		if _, err := os.Stat(archive); err == nil {
			return fileRef{path: archive, member: p.zipMember, format: p.format, key: p.key}, true
		}
	}
	return fileRef{}, false
}

// resolve returns the split's files and the parts they belong to: the local
// files, else the Hub files downloaded into the cache.
func (t *Task) resolve(ctx context.Context, s splitDef) ([]fileRef, []part, error) {
	if refs, ok := t.localRefs(s); ok {
		return refs, s.local, nil
	}
	var missing string
	for _, p := range s.local {
		if _, ok := t.localRef(p); !ok {
			missing = t.localPath(p)
			break
		}
	}
	if t.def.plain {
		return nil, nil, fmt.Errorf("task %s split %s: %s does not exist", t.Name(), s.name, missing)
	}
	if len(s.hub) == 0 {
		return nil, nil, fmt.Errorf("task %s split %s: %s does not exist (looked in --data-dir %s for %s/) and the split has no Hugging Face Hub source (point --data-dir or REGENESIS_DATA_DIR at the folder holding %s/)", t.Name(), s.name, missing, t.dataDir(), t.def.info.Dir, t.def.info.Dir)
	}
	if t.hub == nil {
		return nil, nil, fmt.Errorf("task %s split %s: %s does not exist (looked in --data-dir %s for %s/) and Hub downloads are off (point --data-dir or REGENESIS_DATA_DIR at the folder holding %s/, or allow downloads from %s)", t.Name(), s.name, missing, t.dataDir(), t.def.info.Dir, t.def.info.Dir, t.def.info.Hub)
	}
	refs := make([]fileRef, 0, len(s.hub))
	for _, p := range s.hub {
		f := HubFile{Repo: p.repo, Revision: p.revision, Path: p.path}
		path, err := t.hub.Download(ctx, f)
		if err != nil {
			return nil, nil, fmt.Errorf("task %s split %s: %s does not exist (looked in --data-dir %s for %s/), and the Hugging Face Hub download failed: %w (point --data-dir or REGENESIS_DATA_DIR at the folder holding %s/, or check the network)",
				t.Name(), s.name, missing, t.dataDir(), t.def.info.Dir, err, t.def.info.Dir)
		}
		ff := p.format
		if ff == "" {
			if ff, err = formatOf(p.path); err != nil {
				return nil, nil, err
			}
		}
		refs = append(refs, fileRef{path: path, format: ff, key: p.key})
	}
	return refs, s.hub, nil
}

// dataDir is the data directory the task's folder was looked for in.
func (t *Task) dataDir() string {
	d := filepath.Dir(t.def.dir)
	if abs, err := filepath.Abs(d); err == nil {
		return abs
	}
	return d
}

// Reachable checks that the split's files can be read: they are in the
// data directory, or (when downloads are allowed) on the Hub, in which case
// they are downloaded into the cache now. The error says where the files
// were looked for. Nothing else is read, so a suite can check every task
// before its first request.
func (t *Task) Reachable(ctx context.Context, split string) error {
	i := slices.IndexFunc(t.def.splits, func(s splitDef) bool { return s.name == split })
	if i < 0 {
		return fmt.Errorf("task %s: %w %q (have %s)", t.Name(), ErrUnknownSplit, split, strings.Join(t.splitNames(), ", "))
	}
	_, _, err := t.resolve(ctx, t.def.splits[i])
	return err
}

// Examples streams the split's examples in file order. A bad record ends the
// stream with a *RecordError naming the file, line and field.
func (t *Task) Examples(ctx context.Context, split string) iter.Seq2[Example, error] {
	return func(yield func(Example, error) bool) {
		i := slices.IndexFunc(t.def.splits, func(s splitDef) bool { return s.name == split })
		if i < 0 {
			yield(Example{}, fmt.Errorf("task %s: %w %q (have %s)", t.Name(), ErrUnknownSplit, split, strings.Join(t.splitNames(), ", ")))
			return
		}
		refs, parts, err := t.resolve(ctx, t.def.splits[i])
		if err != nil {
			yield(Example{}, err)
			return
		}
		// IDs seen so far, as hashes with the line of their first record, so
		// that a duplicate is refused while memory stays small.
		seen := map[uint64]int{}
		for j, ref := range refs {
			p := parts[j]
			for rec, err := range readRecords(ctx, ref) {
				var ex Example
				if err == nil {
					ex, err = t.def.normalize(rec, p)
					if errors.Is(err, errSkip) {
						continue
					}
				}
				if err == nil {
					h := xxhash.Sum64String(ex.ID)
					if first, dup := seen[h]; dup {
						err = &RecordError{File: rec.pos.file, Line: rec.pos.resolveLine(), Field: "id",
							Err: fmt.Errorf("duplicate question id %q (first seen in record %d of the split); every question needs its own id", ex.ID, first)}
					}
					seen[h] = len(seen) + 1
				}
				if err != nil {
					yield(Example{}, err)
					return
				}
				ex.Task = t.Name()
				if ex.Spec.Type == "" {
					ex.Spec.Type = t.def.info.AnswerType
				}
				if !yield(ex, nil) {
					return
				}
			}
		}
	}
}

// First returns the first n examples of the split, fewer when the split
// is shorter, or all of them when n <= 0.
func (t *Task) First(ctx context.Context, split string, n int) ([]Example, error) {
	var out []Example
	for ex, err := range t.Examples(ctx, split) {
		if err != nil {
			return nil, err
		}
		out = append(out, ex)
		if len(out) == n {
			break
		}
	}
	return out, nil
}

func (t *Task) splitNames() []string {
	names := make([]string, len(t.def.splits))
	for i, s := range t.def.splits {
		names[i] = s.name
	}
	return names
}
