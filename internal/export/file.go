package export

import "github.com/regenesis-ai/regenesis/internal/fileio"

// createAtomic starts an output written to a temporary file in the
// target's directory and renamed over the target on Commit, so that a
// failed export leaves an earlier file of that name as it was.
func createAtomic(path string) (*fileio.File, error) { return fileio.Create(path) }
