package task

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Registry holds the known tasks: the built-in benchmarks and any custom
// tasks added to it.
type Registry struct {
	dataDir string
	hub     *Hub
	// revisions override the pinned Hub revisions: task name -> revision,
	// "" for every task.
	revisions map[string]string
	tasks     []*Task
}

// Option configures a Registry.
type Option func(*Registry)

// WithHub lets tasks download files missing from the data directory from
// the Hugging Face Hub. Without it, missing files are an error.
func WithHub(h *Hub) Option { return func(r *Registry) { r.hub = h } }

// WithRevision reads the Hub files of the named task at revision (a commit,
// branch or tag) instead of its pinned commit; an empty task name applies
// it to every built-in task. A name that is not a built-in task is
// reported by CheckRevisions.
func WithRevision(taskName, revision string) Option {
	return func(r *Registry) {
		if r.revisions == nil {
			r.revisions = map[string]string{}
		}
		r.revisions[taskName] = revision
	}
}

// revisionFor returns the revision override of the task named name: its
// own, else its family's (bbh for bbh.navigate), else the one for all.
func (r *Registry) revisionFor(name string) (string, bool) {
	if rev, ok := r.revisions[name]; ok {
		return rev, true
	}
	if fam, _, ok := strings.Cut(name, "."); ok {
		if rev, ok := r.revisions[fam]; ok {
			return rev, true
		}
	}
	rev, ok := r.revisions[""]
	return rev, ok
}

// CheckRevisions reports a --revision override naming no built-in task.
func (r *Registry) CheckRevisions() error {
	for name := range r.revisions {
		if name == "" || slices.Contains(r.Names(), name) {
			continue
		}
		return fmt.Errorf("--revision %s=...: no built-in task %q (known: %s)", name, name, strings.Join(r.Names(), ", "))
	}
	return nil
}

// NewRegistry returns the built-in tasks reading from dataDir, which holds
// one folder per task (gsm8k/, arc_challenge/, ...).
func NewRegistry(dataDir string, opts ...Option) *Registry {
	r := &Registry{dataDir: dataDir}
	for _, o := range opts {
		o(r)
	}
	for _, d := range builtinDefs() {
		d.dir = filepath.Join(dataDir, d.info.Dir)
		if d.info.Hub != "" {
			d.info.Revision, d.info.Pinned = HubPin(d.info.Hub)
		}
		if rev, ok := r.revisionFor(d.info.Name); ok && rev != "" {
			d.info.Revision, d.info.Pinned = rev, commitHash.MatchString(rev)
			for i := range d.splits {
				for j := range d.splits[i].hub {
					d.splits[i].hub[j].revision = rev
				}
			}
		}
		r.tasks = append(r.tasks, &Task{def: d, hub: r.hub})
	}
	return r
}

// DataDir returns the folder the registry reads task files from.
func (r *Registry) DataDir() string { return r.dataDir }

// List describes every task, built-in ones first, in registration order.
func (r *Registry) List() []Info {
	infos := make([]Info, len(r.tasks))
	for i, t := range r.tasks {
		infos[i] = t.Info()
	}
	return infos
}

// Names returns the registered task names in registration order.
func (r *Registry) Names() []string {
	names := make([]string, len(r.tasks))
	for i, t := range r.tasks {
		names[i] = t.Name()
	}
	return names
}

// Get returns the named task; the error for an unknown name wraps
// ErrUnknownTask and lists the known names.
func (r *Registry) Get(name string) (*Task, error) {
	for _, t := range r.tasks {
		if t.Name() == name {
			return t, nil
		}
	}
	return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownTask, name, strings.Join(r.Names(), ", "))
}

// Add registers a custom task. Its name must not be taken.
func (r *Registry) Add(c *Custom) error {
	if _, err := r.Get(c.def.info.Name); err == nil {
		return fmt.Errorf("custom task %q: the name is taken by a registered task", c.def.info.Name)
	}
	r.tasks = append(r.tasks, &Task{def: c.def, hub: r.hub})
	return nil
}

// The suites Suite knows.
const (
	SuiteInDomain = "in-domain" // the paper's in-domain tasks
	SuiteOOD      = "ood"       // the paper's out-of-domain tasks
	SuiteAll      = "all"       // in-domain then out-of-domain
	SuiteBBH      = "bbh"       // the 27 BIG-Bench Hard subtasks one by one
	// SuiteBBHReference is the six BIG-Bench Hard subtasks the paper's
	// authors evaluate on: tracking shuffled objects and logical deduction,
	// with three, five and seven objects each.
	SuiteBBHReference = "bbh-reference"
)

// Suite returns the task names of an evaluation suite:
//
//   - "in-domain": gsm8k, numglue, arc_challenge, reclor, strategyqa;
//   - "ood": asdiv, svamp, aqua, math500 (math instead when its test split
//     is in the data directory or the Hub cache), bbh, anli, openbookqa;
//   - "all": in-domain then ood;
//   - "bbh": the BIG-Bench Hard subtasks as separate tasks (bbh.<subtask>);
//   - "bbh-reference": the six subtasks the paper's authors evaluate on.
func (r *Registry) Suite(name string) ([]string, error) {
	inDomain := []string{"gsm8k", "numglue", "arc_challenge", "reclor", "strategyqa"}
	ood := []string{"asdiv", "svamp", "aqua", r.mathTask(), "bbh", "anli", "openbookqa"}
	switch name {
	case SuiteInDomain:
		return inDomain, nil
	case SuiteOOD:
		return ood, nil
	case SuiteAll:
		return slices.Concat(inDomain, ood), nil
	case SuiteBBH:
		var names []string
		for _, s := range bbhSubtasks {
			names = append(names, "bbh."+s.name)
		}
		return names, nil
	case SuiteBBHReference:
		return BBHReferenceSubtasks(), nil
	}
	return nil, fmt.Errorf("unknown suite %q (known: %s, %s, %s, %s, %s)", name, SuiteInDomain, SuiteOOD, SuiteAll, SuiteBBH, SuiteBBHReference)
}

// mathTask picks full MATH when its test files are at hand without a
// download, else MATH-500.
func (r *Registry) mathTask() string {
	t, err := r.Get("math")
	if err != nil {
		return "math500"
	}
	i := slices.IndexFunc(t.def.splits, func(s splitDef) bool { return s.name == "test" })
	s := t.def.splits[i]
	if _, ok := t.localRefs(s); ok {
		return "math"
	}
	if r.hub != nil {
		for _, p := range s.hub {
			if _, ok := r.hub.Cached(HubFile{Repo: p.repo, Revision: p.revision, Path: p.path}); !ok {
				return "math500"
			}
		}
		return "math"
	}
	return "math500"
}

// BBHReferenceSubtasks returns the task names of the six BIG-Bench Hard
// subtasks the paper's authors evaluate on.
func BBHReferenceSubtasks() []string {
	var names []string
	for _, kind := range []string{"tracking_shuffled_objects", "logical_deduction"} {
		for _, n := range []string{"three", "five", "seven"} {
			names = append(names, "bbh."+kind+"_"+n+"_objects")
		}
	}
	return names
}
