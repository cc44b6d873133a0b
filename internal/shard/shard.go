// Package shard partitions a run's questions between independent jobs.
//
// A question belongs to shard I of N when the hash of its task and id,
// taken modulo N, is I. The partition depends on nothing but the id: a
// question stays in its shard when the task grows, when questions are
// added or removed around it, or when the shards run in any order, on any
// machine. Each shard is an ordinary run with its own directory and store;
// internal/merge puts the shards back together.
package shard

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/secret"
)

// Spec is one shard of a partition: Index in [0, Count). The zero Spec is
// the whole run, unsharded.
type Spec struct {
	Index int
	Count int
}

// EnvVar is the environment variable --shard defaults to.
const EnvVar = secret.EnvShard

// Parse reads "I/N". I may also be the name of an environment variable that
// holds the index, as cluster schedulers set one per task:
// "JOB_COMPLETION_INDEX/8" (Kubernetes Indexed Job), "SLURM_ARRAY_TASK_ID/8"
// (Slurm array). An empty string is the zero Spec. lookup finds variables
// (the CLI passes secret.Env.Lookup, the one reader of the environment);
// with a nil lookup a variable name is an error.
func Parse(s string, lookup func(string) (string, bool)) (Spec, error) {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return Spec{}, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return Spec{}, fmt.Errorf("shard %q: want I/N, e.g. 0/4 or JOB_COMPLETION_INDEX/4", s)
	}
	n, err := strconv.Atoi(strings.TrimSpace(ns))
	if err != nil || n < 1 {
		return Spec{}, fmt.Errorf("shard %q: count %q is not a whole number of at least 1", s, ns)
	}
	is = strings.TrimSpace(is)
	i, err := strconv.Atoi(is)
	if err != nil {
		name := strings.TrimPrefix(is, "$")
		if !validEnvName(name) {
			return Spec{}, fmt.Errorf("shard %q: index %q is neither a number nor an environment variable name", s, is)
		}
		v, set := lookup(name)
		if !set || strings.TrimSpace(v) == "" {
			return Spec{}, fmt.Errorf("shard %q: environment variable %s is not set", s, name)
		}
		if i, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
			return Spec{}, fmt.Errorf("shard %q: %s=%q is not a number", s, name, v)
		}
	}
	if i < 0 || i >= n {
		return Spec{}, fmt.Errorf("shard %q: index %d out of range [0, %d)", s, i, n)
	}
	return Spec{Index: i, Count: n}, nil
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Sharded reports whether s selects part of a run.
func (s Spec) Sharded() bool { return s.Count > 0 }

// String is "I/N", or "" for the zero Spec.
func (s Spec) String() string {
	if !s.Sharded() {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Of returns the shard, among count, that owns the question id of task.
func Of(task, id string, count int) int {
	if count <= 1 {
		return 0
	}
	h := sha256.Sum256([]byte(task + "\x00" + id))
	return int(binary.BigEndian.Uint64(h[:8]) % uint64(count))
}

// Owns reports whether the question id of task belongs to s (every
// question belongs to the zero Spec).
func (s Spec) Owns(task, id string) bool {
	if !s.Sharded() {
		return true
	}
	return Of(task, id, s.Count) == s.Index
}

// Info is what a shard's manifest.json or results.json records about it.
type Info struct {
	Index int `json:"index"`
	Count int `json:"count"`
	// InputQuestions is the number of questions of the whole input (every
	// shard's), which the merge checks its shards cover.
	InputQuestions int `json:"input_questions"`
}

// Spec returns the shard Info describes.
func (i Info) Spec() Spec { return Spec{Index: i.Index, Count: i.Count} }
