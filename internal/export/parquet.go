package export

import (
	"context"
	"fmt"

	"github.com/parquet-go/parquet-go"
)

// ParquetMessage is one chat turn in the Parquet messages column.
type ParquetMessage struct {
	Role    string `parquet:"role"`
	Content string `parquet:"content"`
}

// ParquetRow is one row of the Parquet export: the conversation as a list of
// role/content structs (what TRL's SFTTrainer reads) beside plain string,
// list and boolean metadata columns, all readable by the datasets library.
type ParquetRow struct {
	Messages     []ParquetMessage `parquet:"messages,list"`
	Task         string           `parquet:"task"`
	QuestionID   string           `parquet:"question_id"`
	Method       string           `parquet:"method"`
	GuidelineIDs []string         `parquet:"guideline_ids,list"`
	Hinted       bool             `parquet:"hinted"`
}

// parquetBatch rows are buffered before each write; row groups are cut by
// the writer's own size limit.
const parquetBatch = 256

func writeParquet(ctx context.Context, sft, out string, lc *lengthCheck) (int, error) {
	af, err := createAtomic(out)
	if err != nil {
		return 0, err
	}
	defer af.Abort()
	w := parquet.NewGenericWriter[ParquetRow](af,
		parquet.Compression(&parquet.Snappy),
		parquet.CreatedBy("regenesis", "", ""),
	)
	batch := make([]ParquetRow, 0, parquetBatch)
	flush := func() error {
		if _, err := w.Write(batch); err != nil {
			return fmt.Errorf("write %s: %w", out, err)
		}
		batch = batch[:0]
		return nil
	}
	n := 0
	for r, err := range ReadSFT(ctx, sft) {
		if err != nil {
			return 0, err
		}
		row := ParquetRow{
			Messages:     make([]ParquetMessage, len(r.Messages)),
			Task:         r.Task,
			QuestionID:   r.QuestionID,
			Method:       r.Method,
			GuidelineIDs: r.GuidelineIDs,
			Hinted:       r.Hinted,
		}
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
		return 0, fmt.Errorf("write %s: %w", out, err)
	}
	return n, af.Commit()
}
