package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/regenesis-ai/regenesis/internal/secret"
)

// redactorKey is the context key of the command's Redactor.
type redactorKey struct{}

// withRedactor returns ctx carrying r, the redactor every message and
// recorded command line of the run goes through.
func withRedactor(ctx context.Context, r *secret.Redactor) context.Context {
	return context.WithValue(ctx, redactorKey{}, r)
}

// redactor returns the run's Redactor; a command run without Main (tests)
// gets one that knows the environment's credentials.
func redactor(ctx context.Context) *secret.Redactor {
	if ctx != nil {
		if r, ok := ctx.Value(redactorKey{}).(*secret.Redactor); ok {
			return r
		}
	}
	return secret.NewRedactor(secret.ReadEnv(nil).Secrets()...)
}

// learnFlagSecrets tells the run's redactor the credentials given as flags:
// the values of key and token flags, and those inside URL flags.
func learnFlagSecrets(cmd *cobra.Command) {
	r := redactor(cmd.Context())
	cmd.Flags().Visit(func(f *pflag.Flag) {
		for _, v := range flagValues(f) {
			if secret.IsSecretName(f.Name) {
				r.Add(v)
			}
			if strings.Contains(f.Name, "url") {
				r.Add(secret.URLSecrets(v)...)
			}
		}
	})
}

// flagValues returns a flag's values: each item of a list flag, else the one value.
func flagValues(f *pflag.Flag) []string {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		return sv.GetSlice()
	}
	return []string{f.Value.String()}
}

// commandLine is the command as the user could type it again: the command
// path, the flags the user set (sorted, list flags repeated, credentials
// removed) and the positional arguments. It is what manifests and
// results.json record.
func commandLine(cmd *cobra.Command, args []string) []string {
	var flags []secret.Flag
	cmd.Flags().Visit(func(f *pflag.Flag) {
		flags = append(flags, secret.Flag{Name: f.Name, Values: flagValues(f), Bool: f.Value.Type() == "bool"})
	})
	return secret.CommandLine(redactor(cmd.Context()), strings.Fields(cmd.CommandPath()), flags, args)
}
