package fileio

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LockFile is the name of the lock file a writing command holds in its run
// directory.
const LockFile = ".regenesis.lock"

// Holder is who holds (or held) a run directory's lock.
type Holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Command string    `json:"command,omitempty"`
	Since   time.Time `json:"since"`
}

// String describes the holder for a message.
func (h Holder) String() string {
	s := fmt.Sprintf("pid %d on host %s", h.PID, h.Host)
	if h.Command != "" {
		s += fmt.Sprintf(" (%s)", h.Command)
	}
	if !h.Since.IsZero() {
		s += ", since " + h.Since.Format(time.RFC3339)
	}
	return s
}

// LockedError is returned by LockDir for a directory another process holds.
type LockedError struct {
	Dir    string
	Holder Holder // zero when the lock file could not be read
}

// Error names the directory and its holder.
func (e *LockedError) Error() string {
	who := "another process"
	if e.Holder.PID != 0 {
		who = e.Holder.String()
	}
	return fmt.Sprintf("run directory %s is in use by %s: wait for it to finish or use another directory (lock file %s)",
		e.Dir, who, filepath.Join(e.Dir, LockFile))
}

// Lock is a held run-directory lock.
type Lock struct {
	f    *os.File
	path string
	// TookOver is the holder of a stale lock this one replaced: a process
	// that ended without releasing it. Nil when the directory was free.
	TookOver *Holder
}

// LockDir takes the lock of run directory dir (created if needed) for this
// process, recording its pid, host and command. A directory held by a live
// process fails at once with a *LockedError naming the holder. The lock
// of a process that died is taken over, and reported in Lock.TookOver.
func LockDir(dir, command string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("run directory: %w", err)
	}
	path := filepath.Join(dir, LockFile)
	host, _ := os.Hostname()
	for range 10 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("lock run directory: %w", err)
		}
		prev, _ := readHolder(f)
		ok, err := tryLock(f, prev, host)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !ok {
			f.Close()
			return nil, &LockedError{Dir: dir, Holder: prev}
		}
		// The file may have been removed by a releasing holder between
		// open and lock: then this lock guards nothing, so start over.
		if !sameFile(f, path) {
			unlock(f)
			f.Close()
			continue
		}
		prev, _ = readHolder(f)
		l := &Lock{f: f, path: path}
		if prev.PID != 0 {
			l.TookOver = &prev
		}
		me := Holder{PID: os.Getpid(), Host: host, Command: command, Since: time.Now().UTC().Truncate(time.Second)}
		b, _ := json.Marshal(me)
		if err := f.Truncate(0); err == nil {
			_, err = f.WriteAt(append(b, '\n'), 0)
			if err == nil {
				err = f.Sync()
			}
			if err != nil {
				l.Release()
				return nil, fmt.Errorf("lock %s: %w", path, err)
			}
		}
		return l, nil
	}
	return nil, fmt.Errorf("lock %s: the lock file keeps changing; is another process starting on this directory?", path)
}

// Release removes the lock file and lets the directory go. Safe to call
// more than once and on nil.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := os.Remove(l.path)
	unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	return err
}

// readHolder reads the holder recorded in an open lock file.
func readHolder(f *os.File) (Holder, error) {
	var h Holder
	st, err := f.Stat()
	if err != nil || st.Size() == 0 || st.Size() > 1<<16 {
		return h, err
	}
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil {
		return h, err
	}
	err = json.Unmarshal([]byte(strings.TrimSpace(string(b))), &h)
	return h, err
}

// sameFile reports whether the open file is still the one at path.
func sameFile(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}
