//go:build !unix

package fileio

import (
	"os"
)

// tryLock, without advisory locks, treats a lock file naming a process of
// this host as held while that process exists; a recorded holder of
// another host is always taken as alive.
func tryLock(_ *os.File, prev Holder, host string) (bool, error) {
	if prev.PID == 0 || prev.PID == os.Getpid() {
		return true, nil
	}
	if prev.Host != host {
		return false, nil
	}
	p, err := os.FindProcess(prev.PID)
	if err != nil {
		return true, nil
	}
	p.Release()
	return false, nil
}

func unlock(*os.File) {}
