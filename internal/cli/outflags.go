package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// outFlags are --out DIR (the output directory, as in every command) and
// --out-file FILE (an explicit file, for commands that write one file or
// one pair).
type outFlags struct {
	dir, file string
	// fileExts are the extensions that mark an --out value as a file: the
	// deprecated spelling, still accepted with a warning.
	fileExts []string
}

// addOutFlags registers --out (-o) and --out-file on cmd.
func addOutFlags(cmd *cobra.Command, dirUsage, fileUsage string, fileExts ...string) *outFlags {
	o := &outFlags{fileExts: fileExts}
	cmd.Flags().StringVarP(&o.dir, "out", "o", "", dirUsage)
	cmd.Flags().StringVar(&o.file, "out-file", "", fileUsage)
	return o
}

// resolve returns the output directory and the explicit output file (at
// most one is set). An --out value ending in a file extension is the old
// meaning of --out: it is taken as --out-file, with a warning.
func (o *outFlags) resolve(cmd *cobra.Command) (dir, file string, err error) {
	if o.dir != "" && o.file != "" {
		return "", "", errors.New("--out DIR and --out-file FILE exclude each other")
	}
	if o.dir != "" && slices.Contains(o.fileExts, strings.ToLower(filepath.Ext(o.dir))) {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: --out %s names a file; --out now names the output directory: use --out-file %s (the old spelling will stop working)\n", o.dir, o.dir)
		return "", o.dir, nil
	}
	return o.dir, o.file, nil
}
