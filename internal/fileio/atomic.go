// Package fileio is the project's one way to write and read files: an
// atomic writer (a temporary file in the target's directory, fsync, rename
// on Commit), a typed streaming JSON Lines reader with one line-error type,
// and the lock that keeps one writer per run directory.
//
// A command writes every output through Create (or WriteFile) so that an
// earlier output is never deleted or truncated before the new one is
// complete: a run that fails halfway leaves the old file byte-identical.
package fileio

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// File is an output being written to a temporary file next to its target.
// Commit moves it over the target; Abort (safe to defer) removes it, or,
// for a file created with Partial, keeps it flushed for inspection.
type File struct {
	f       *os.File
	w       *bufio.Writer
	path    string
	perm    os.FileMode
	partial bool
	done    bool
}

// Option changes how Create writes a file.
type Option func(*File)

// Perm sets the permissions of the committed file (default 0644).
func Perm(mode os.FileMode) Option { return func(f *File) { f.perm = mode } }

// PartialSuffix ends the name of the temporary file of Partial.
const PartialSuffix = ".partial"

// Partial names the temporary file PATH.partial instead of a hidden random
// name and keeps it on Abort, so that the output of an unfinished run can be
// inspected; the next run replaces it.
func Partial() Option { return func(f *File) { f.partial = true } }

// Create starts writing path: the bytes go to a temporary file in path's
// directory (created if needed) until Commit.
func Create(path string, opts ...Option) (*File, error) {
	f := &File{path: path, perm: 0o644}
	for _, o := range opts {
		o(f)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	var err error
	if f.partial {
		f.f, err = os.OpenFile(path+PartialSuffix, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	} else {
		f.f, err = os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	}
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	f.w = bufio.NewWriterSize(f.f, 256<<10)
	return f, nil
}

// Path is the target path the file is committed to.
func (f *File) Path() string { return f.path }

// Write writes to the buffered temporary file.
func (f *File) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if err != nil {
		return n, fmt.Errorf("write %s: %w", f.f.Name(), err)
	}
	return n, nil
}

// WriteString writes s to the buffered temporary file.
func (f *File) WriteString(s string) (int, error) { return f.Write([]byte(s)) }

// Commit flushes the file, syncs it to disk and renames it over the target,
// then syncs the directory so that the rename survives a crash. On an error
// the temporary file is removed and the target is left as it was.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("commit %s: already committed or aborted", f.path)
	}
	f.done = true
	err := f.w.Flush()
	if err == nil {
		err = f.f.Chmod(f.perm)
	}
	if err == nil {
		err = f.f.Sync()
	}
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.f.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.f.Name())
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	syncDir(filepath.Dir(f.path))
	return nil
}

// Abort gives the file up unless Commit ran: the temporary file is removed
// (or, with Partial, flushed and kept). The target is untouched. Safe to
// defer after Create.
func (f *File) Abort() {
	if f == nil || f.done {
		return
	}
	f.done = true
	if f.partial {
		f.w.Flush()
		f.f.Close()
		return
	}
	f.f.Close()
	os.Remove(f.f.Name())
}

// syncDir makes a rename in dir durable; file systems that cannot sync a
// directory are left to their own guarantees.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}

// Write creates path atomically with what fill writes into it: on an error
// of fill the target is left as it was.
func Write(path string, fill func(*File) error, opts ...Option) error {
	f, err := Create(path, opts...)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := fill(f); err != nil {
		return err
	}
	return f.Commit()
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte, opts ...Option) error {
	return Write(path, func(f *File) error {
		_, err := f.Write(data)
		return err
	}, opts...)
}

// WriteJSON writes v to path atomically as indented JSON with a final
// newline.
func WriteJSON(path string, v any, opts ...Option) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return WriteFile(path, append(b, '\n'), opts...)
}
