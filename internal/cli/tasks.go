package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/task"
)

func newTasksCmd() *cobra.Command {
	var asJSON bool
	var group string
	cmd := &cobra.Command{
		Use:   "tasks",
		Short: "List the tasks with their splits, counts, answer types and groups",
		Long: `tasks lists every known task: the paper's in-domain and out-of-domain benchmarks,
the BIG-Bench Hard subtasks (bbh.<subtask>), extra tasks, and custom tasks from
--task-file or the --custom-* flags. A split marked [hub] is not in the data
directory and is downloaded from the Hugging Face Hub on first use; [missing]
means it is neither here nor on the Hub. HUB SOURCE is the dataset repository and
the commit its files are read at (--revision overrides it); "(unpinned)" marks
a source read at a branch.`,
		Args: cobra.NoArgs,
	}
	tf := addTaskFlags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	cmd.Flags().StringVar(&group, "group", "", "only tasks of this group: in-domain, ood or extra")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		switch task.Group(group) {
		case "", task.InDomain, task.OOD, task.Extra:
		default:
			return fmt.Errorf("--group %q: want in-domain, ood or extra", group)
		}
		r, err := tf.registry()
		if err != nil {
			return err
		}
		var infos []task.Info
		for _, info := range r.List() {
			if group == "" || string(info.Group) == group {
				infos = append(infos, info)
			}
		}
		if asJSON {
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(infos)
		}
		return writeTaskTable(cmd.OutOrStdout(), infos)
	}
	return cmd
}

// writeTaskTable prints one row per task.
func writeTaskTable(w io.Writer, infos []task.Info) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tGROUP\tANSWER\tTEST\tTRAIN\tHUB SOURCE\tSPLITS")
	for _, info := range infos {
		splits := make([]string, len(info.Splits))
		for i, s := range info.Splits {
			splits[i] = s.Name + " " + formatCount(s.Count)
			switch {
			case s.Local:
			case s.Hub:
				splits[i] += " [hub]"
			default:
				splits[i] += " [missing]"
			}
		}
		train := info.TrainSplit
		if train == "" {
			train = "-"
		}
		source := "-"
		if info.Hub != "" {
			source = info.Hub + "@" + info.Revision
			if !info.Pinned {
				source += " (unpinned)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", info.Name, info.Group, info.AnswerType, info.TestSplit, train, source, strings.Join(splits, ", "))
	}
	return tw.Flush()
}

// formatCount writes a count with thousands separators, "?" when unknown.
func formatCount(n int) string {
	if n <= 0 {
		return "?"
	}
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
