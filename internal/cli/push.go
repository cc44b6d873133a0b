package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/hubpush"
	"github.com/regenesis-ai/regenesis/internal/task"
)

func newPushCmd() *cobra.Command {
	var repo, revision, format string
	var private bool
	cmd := &cobra.Command{
		Use:   "push DIR --repo owner/name [--private]",
		Short: "Upload a synthesized dataset to the Hugging Face Hub with a dataset card",
		Long: `push exports DIR's kept paths (Parquet, or JSONL with --format jsonl) and uploads
them to the Hub dataset repository --repo, creating it when missing (private
with --private), with a dataset card (README.md: YAML metadata with configs,
licence of the source task, task categories and size; the method, model,
settings, prompt hashes, counts and cost) and DIR/manifest.json beside it.

It uses the Hub's HTTP API as huggingface_hub does (preupload, Git LFS, commit):
files the repository already has with the same content are left out, so a
re-push of an unchanged directory makes no commit. The token comes from
HF_TOKEN, HUGGING_FACE_HUB_TOKEN or the file "hf auth login" writes; HF_ENDPOINT
selects a mirror.`,
		Example: `  regenesis push runs/gsm8k-regenesis --repo alice/gsm8k-regenesis-paths --private`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := hubpush.CheckRepoID(repo); err != nil {
				return err
			}
			hub, err := task.NewHub()
			if err != nil {
				return err
			}
			if !hub.HasToken() {
				return errors.New("no Hugging Face token: set HF_TOKEN (or HUGGING_FACE_HUB_TOKEN) or run \"hf auth login\"")
			}
			reg := task.NewRegistry("")
			res, err := hubpush.Push(cmd.Context(), hubpush.Options{
				Dir: filepath.Clean(args[0]), Repo: repo, Private: private, Revision: revision, Format: format,
				API: hubpush.NewAPI(hub.Endpoint(), hub, nil),
				Sources: func(names []string) []hubpush.Source {
					var out []hubpush.Source
					for _, n := range names {
						n = strings.TrimSpace(n)
						s := hubpush.Source{Task: n}
						if t, err := reg.Get(n); err == nil {
							s.Hub, s.Revision = t.Info().Hub, t.Info().Revision
						}
						out = append(out, s)
					}
					return out
				},
			})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if res.Created {
				fmt.Fprintf(out, "created dataset repository %s\n", repo)
			}
			if res.Commit.OID == "" {
				_, err = fmt.Fprintf(out, "%s is up to date: nothing changed (%s)\n", repo, strings.Join(res.Commit.Unchanged, ", "))
				return err
			}
			_, err = fmt.Fprintf(out, "pushed %s to %s: %s\n", strings.Join(res.Commit.Changed, ", "), repo, res.Commit.URL)
			return err
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&repo, "repo", "", "Hub dataset repository, owner/name")
	fs.BoolVar(&private, "private", false, "create the repository private (an existing repository keeps its visibility)")
	fs.StringVar(&revision, "revision", "main", "branch to commit to")
	fs.StringVar(&format, "format", "parquet", "data file format: parquet or jsonl (messages)")
	_ = cmd.MarkFlagRequired("repo")
	return cmd
}
