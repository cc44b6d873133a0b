package store

import (
	"context"
	"fmt"
)

// maxBatchRows bounds the samples one transaction commits.
const maxBatchRows = 4096

// sampleRow is one sample to persist.
type sampleRow struct {
	key              Key
	index            int
	text             string
	finishReason     string
	promptTokens     int64
	completionTokens int64
}

// writeOp is one caller's rows; done receives the commit's outcome.
type writeOp struct {
	reqHash Key
	reqBody []byte
	rows    []sampleRow
	nowMS   int64
	done    chan error
}

// write commits rows (samples of the request with the given hash and
// canonical body) and returns once they are durable.
func (s *Store) write(ctx context.Context, op *writeOp) error {
	op.done = make(chan error, 1)
	select {
	case s.writes <- op:
	case <-s.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-op.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writer is the store's single writing goroutine. It takes every write
// waiting when it is free and commits them in one transaction (group
// commit): with synchronous=FULL each commit costs an fsync, and batching
// spreads that cost over all the callers waiting at the time.
func (s *Store) writer() {
	defer close(s.writerEnd)
	for {
		var batch []*writeOp
		select {
		case op := <-s.writes:
			batch = append(batch, op)
		case <-s.quit:
			return
		}
		rows := len(batch[0].rows)
	collect:
		for rows < maxBatchRows {
			select {
			case op := <-s.writes:
				batch = append(batch, op)
				rows += len(op.rows)
			default:
				break collect
			}
		}
		err := s.commit(batch)
		if err == nil {
			s.rows.Add(int64(rows))
			s.commits.Add(1)
		}
		for _, op := range batch {
			op.done <- err
		}
	}
}

// commit writes a batch in one transaction. It does not use a caller's
// context: one caller giving up must not undo the others' writes.
func (s *Store) commit(batch []*writeOp) error {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store %s: begin: %w", s.path, err)
	}
	defer tx.Rollback()
	reqStmt, err := tx.PrepareContext(ctx,
		`INSERT INTO requests (hash, body, created_at) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("store %s: %w", s.path, err)
	}
	defer reqStmt.Close()
	sampleStmt, err := tx.PrepareContext(ctx,
		`INSERT INTO samples (key, request_hash, sample_index, text, finish_reason, prompt_tokens, completion_tokens, created_at, checksum)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("store %s: %w", s.path, err)
	}
	defer sampleStmt.Close()
	for _, op := range batch {
		if _, err := reqStmt.ExecContext(ctx, op.reqHash[:], op.reqBody, op.nowMS); err != nil {
			return fmt.Errorf("store %s: insert request: %w", s.path, err)
		}
		for _, r := range op.rows {
			sum := rowChecksum(r.key[:], op.reqHash[:], int64(r.index), r.text, r.finishReason, r.promptTokens, r.completionTokens)
			if _, err := sampleStmt.ExecContext(ctx, r.key[:], op.reqHash[:], r.index, r.text, r.finishReason,
				r.promptTokens, r.completionTokens, op.nowMS, sum); err != nil {
				return fmt.Errorf("store %s: insert sample %d: %w", s.path, r.index, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store %s: commit: %w", s.path, err)
	}
	return nil
}
