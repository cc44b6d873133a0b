package fileio

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCommitReplacesAndAbortKeepsOld(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "out.jsonl")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("half of the new"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old\n" {
		t.Fatalf("target changed before commit: %q", got)
	}
	f.Abort()
	if got, _ := os.ReadFile(path); string(got) != "old\n" {
		t.Fatalf("after abort: %q, want the old bytes", got)
	}
	if left := entries(t, dir); len(left) != 1 {
		t.Fatalf("abort left %v", left)
	}

	err = Write(path, func(f *File) error {
		_, err := f.WriteString("new\n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new\n" {
		t.Fatalf("after commit: %q", got)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}

	fail := errors.New("boom")
	if err := Write(path, func(f *File) error { f.WriteString("x"); return fail }); !errors.Is(err, fail) {
		t.Fatalf("Write: %v, want the fill error", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new\n" {
		t.Fatalf("failed Write changed the target: %q", got)
	}
	if left := entries(t, dir); len(left) != 1 {
		t.Fatalf("failed Write left %v", left)
	}
}

func TestPartialKeptOnAbort(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "sft.jsonl")
	f, err := Create(path, Partial())
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("line\n")
	f.Abort()
	if got, _ := os.ReadFile(path + ".partial"); string(got) != "line\n" {
		t.Fatalf("partial file: %q", got)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("target exists after abort: %v", err)
	}
	f, _ = Create(path, Partial(), Perm(0o600))
	f.WriteString("done\n")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "done\n" {
		t.Fatalf("committed: %q", got)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	if err := f.Commit(); err == nil {
		t.Error("second Commit: no error")
	}
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

type rec struct {
	ID    string `json:"id"`
	Count int    `json:"count"`
}

func TestReadLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     []Line[rec]
		err      string // substring of the error; "" for none
	}{
		{name: "plain", in: "{\"id\":\"a\",\"count\":1}\n\n{\"id\":\"b\"}", want: []Line[rec]{{1, rec{"a", 1}}, {3, rec{"b", 0}}}},
		{name: "bom skipped", in: "\ufeff{\"id\":\"a\"}\n", want: []Line[rec]{{1, rec{"a", 0}}}},
		{name: "crlf", in: "{\"id\":\"a\"}\r\n{\"id\":\"b\"}\r\n", want: []Line[rec]{{1, rec{"a", 0}}, {2, rec{"b", 0}}}},
		{name: "type error names field", in: "{\"id\":\"a\"}\n{\"count\":\"x\"}\n", want: []Line[rec]{{1, rec{"a", 0}}}, err: `f.jsonl:2: field "count": want int, got a JSON string`},
		{name: "malformed", in: "{\"id\":\n", err: "f.jsonl:1: malformed JSON"},
		{name: "two values", in: "{} {}\n", err: "f.jsonl:1: malformed JSON: more than one value"},
		{name: "invalid utf-8", in: "{\"id\":\"\xff\"}\n", err: "f.jsonl:1: invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Line[rec]
			var gotErr error
			for l, err := range ReadLines[rec]("f.jsonl", strings.NewReader(tt.in)) {
				if err != nil {
					gotErr = err
					break
				}
				got = append(got, l)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("lines %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("line %d: %+v, want %+v", i, got[i], tt.want[i])
				}
			}
			switch {
			case tt.err == "" && gotErr != nil:
				t.Fatalf("error %v", gotErr)
			case tt.err != "" && (gotErr == nil || !strings.Contains(gotErr.Error(), tt.err)):
				t.Fatalf("error %v, want one containing %q", gotErr, tt.err)
			}
			if tt.err != "" {
				if _, ok := errors.AsType[*LineError](gotErr); !ok {
					t.Errorf("error %T is not a *LineError", gotErr)
				}
			}
		})
	}
}

func TestLockDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l, err := LockDir(dir, "regenesis eval")
	if err != nil {
		t.Fatal(err)
	}
	if l.TookOver != nil {
		t.Errorf("fresh directory: took over %v", l.TookOver)
	}
	_, err = LockDir(dir, "regenesis eval")
	le, ok := errors.AsType[*LockedError](err)
	if !ok {
		t.Fatalf("second lock: %v, want a *LockedError", err)
	}
	host, _ := os.Hostname()
	if le.Holder.PID != os.Getpid() || le.Holder.Host != host || le.Holder.Command != "regenesis eval" {
		t.Errorf("holder %+v", le.Holder)
	}
	if msg := err.Error(); !strings.Contains(msg, "pid ") || !strings.Contains(msg, host) || !strings.Contains(msg, dir) {
		t.Errorf("message %q does not name the directory and holder", msg)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, LockFile)); !os.IsNotExist(err) {
		t.Errorf("lock file left after release: %v", err)
	}
	l2, err := LockDir(dir, "regenesis eval")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Release()

	// A lock file left by a process that died (no advisory lock held).
	stale := `{"pid":999999,"host":"` + host + `","command":"regenesis synthesize","since":"2026-01-01T00:00:00Z"}`
	if err := os.WriteFile(filepath.Join(dir, LockFile), []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	l3, err := LockDir(dir, "regenesis eval")
	if err != nil {
		t.Fatalf("stale lock: %v", err)
	}
	defer l3.Release()
	if l3.TookOver == nil || l3.TookOver.PID != 999999 {
		t.Errorf("TookOver %v, want pid 999999", l3.TookOver)
	}
}
