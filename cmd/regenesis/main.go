// Command regenesis grows a language model's reasoning ability from its own
// reasoning paths (ReGenesis, Peng et al., ICLR 2025) and evaluates the result.
package main

import (
	"os"

	"github.com/regenesis-ai/regenesis/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
