package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/batch"
	"github.com/regenesis-ai/regenesis/internal/secret"
	"github.com/regenesis-ai/regenesis/internal/store"
)

func newBatchesCmd() *cobra.Command {
	var storePath, baseURL, apiKey string
	var cancel bool
	cmd := &cobra.Command{
		Use:   "batches DIR",
		Short: "List the Batch API batches a run directory waits for (--cancel: cancel them)",
		Long: `batches lists the batches that synthesize --batch or eval --batch submitted
for DIR and has not collected yet, from DIR/store.db. With --base-url it also
asks the server for each batch's status; with --cancel it cancels them on the
server (the next run of the command collects any partial output and submits
the rest again).`,
		Example: `  regenesis batches runs/gsm8k
  regenesis batches runs/gsm8k --base-url https://api.openai.com/v1 --cancel`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			dir := args[0]
			path := storePath
			if path == "" {
				path = filepath.Join(dir, "store.db")
			}
			if _, err := os.Stat(path); err != nil {
				return fmt.Errorf("%s: no run store (%w)", path, err)
			}
			st, err := store.Open(ctx, path)
			if err != nil {
				return err
			}
			defer st.Close()
			state, err := batch.LoadState(ctx, st)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(state.Pending) == 0 {
				_, err := fmt.Fprintf(out, "%s: no pending batch (%d round(s) submitted so far)\n", dir, state.Round)
				return err
			}
			env := secret.ReadEnv(nil)
			if baseURL == "" && len(env.BaseURLs) > 0 {
				baseURL = env.BaseURLs[0]
			}
			if apiKey == "" {
				apiKey = env.APIKey
			}
			var api *batch.API
			if baseURL != "" {
				if api, err = batch.NewAPI(baseURL, apiKey, nil); err != nil {
					return fmt.Errorf("--base-url: %w", err)
				}
			}
			if cancel {
				if api == nil {
					return fmt.Errorf("--cancel needs the server: set --base-url or OPENAI_BASE_URL")
				}
				r := &batch.Runner{API: api, Meta: st}
				done, err := r.CancelAll(ctx)
				for _, b := range done {
					fmt.Fprintf(out, "batch %s: %s\n", b.ID, b.Status)
				}
				return err
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "batch\tround\trequests\tsubmitted\tstatus\t\n")
			for _, p := range state.Pending {
				status := "(give --base-url to ask the server)"
				if api != nil {
					b, err := api.Get(ctx, p.ID)
					if err != nil {
						return err
					}
					status = fmt.Sprintf("%s, %d of %d done", b.Status, b.RequestCounts.Completed+b.RequestCounts.Failed, b.RequestCounts.Total)
				}
				fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t\n", p.ID, p.Round, p.Requests, p.SubmittedAt.Format(time.RFC3339), status)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&storePath, "store", "", "run store (default DIR/store.db)")
	cmd.Flags().StringVar(&baseURL, "base-url", "", "server the batches went to, to ask their status (default $OPENAI_BASE_URL)")
	cmd.Flags().StringVar(&apiKey, "api-key", "", "API key (default $OPENAI_API_KEY); never printed or stored")
	cmd.Flags().BoolVar(&cancel, "cancel", false, "cancel the pending batches on the server")
	return cmd
}
