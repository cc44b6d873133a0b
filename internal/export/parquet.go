package export

import (
	"context"
	"fmt"

	"github.com/parquet-go/parquet-go"
	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/rundir"
)

// ParquetMessage is one chat turn in the Parquet messages column.
type ParquetMessage struct {
	Role    string `parquet:"role"`
	Content string `parquet:"content"`
}

// ParquetRow is one row of the Parquet export: the conversation as a list of
// role/content structs (what TRL's SFTTrainer reads) beside the kept-path
// record's metadata (rundir.Meta) as plain string, list and boolean columns,
// all readable by the datasets library. A field added to rundir.Meta is a
// column here without a change.
type ParquetRow struct {
	Messages []ParquetMessage `parquet:"messages,list"`
	rundir.Meta
}

// parquetBatch rows are buffered before each write; row groups are cut by
// the writer's own size limit.
const parquetBatch = 256

func writeParquet(ctx context.Context, sft string, out *output, lc *lengthCheck) (int, error) {
	return out.write(func(af *fileio.File) (int, error) {
		w := parquet.NewGenericWriter[ParquetRow](af,
			parquet.Compression(&parquet.Snappy),
			parquet.CreatedBy("regenesis", "", ""),
		)
		batch := make([]ParquetRow, 0, parquetBatch)
		flush := func() error {
			if _, err := w.Write(batch); err != nil {
				return fmt.Errorf("write %s: %w", out.path, err)
			}
			batch = batch[:0]
			return nil
		}
		n := 0
		for l, err := range rundir.ReadSFT(ctx, sft) {
			if err != nil {
				return 0, err
			}
			r := l.Value
			row := ParquetRow{Messages: make([]ParquetMessage, len(r.Messages)), Meta: r.Meta}
			if row.GuidelineIDs == nil {
				row.GuidelineIDs = []string{}
			}
			for i, m := range r.Messages {
				row.Messages[i] = ParquetMessage{Role: m.Role, Content: m.Content}
			}
			batch = append(batch, row)
			lc.add(r.Messages)
			n++
			if len(batch) == parquetBatch {
				if err := flush(); err != nil {
					return 0, err
				}
			}
		}
		if err := flush(); err != nil {
			return 0, err
		}
		if err := w.Close(); err != nil {
			return 0, fmt.Errorf("write %s: %w", out.path, err)
		}
		return n, nil
	})
}
