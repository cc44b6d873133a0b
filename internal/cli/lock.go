package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/fileio"
)

// lockRunDir makes this process the one writer of run directory dir for
// the command's run: a second process on the same directory fails at once,
// naming the holder. The lock of a process that died is taken over with a
// warning. The caller defers the returned release.
func lockRunDir(cmd *cobra.Command, dir string) (release func(), err error) {
	l, err := fileio.LockDir(dir, cmd.CommandPath())
	if err != nil {
		return nil, err
	}
	if l.TookOver != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: run directory %s was locked by %s, which is no longer running; taking it over\n", dir, l.TookOver)
	}
	return func() { _ = l.Release() }, nil
}
