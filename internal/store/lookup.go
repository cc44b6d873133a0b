package store

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// storedSample is a sample read back from the store.
type storedSample struct {
	text             string
	finishReason     string
	promptTokens     int64
	completionTokens int64
}

// maxLookupKeys bounds the parameters of one lookup query.
const maxLookupKeys = 500

// lookup returns the stored samples among keys. A row that does not match
// its checksum is a *CorruptError, or, when the store was opened with
// WithRepair, is deleted and left out (so that it is requested again).
func (s *Store) lookup(ctx context.Context, keys []Key) (map[Key]storedSample, error) {
	found := make(map[Key]storedSample, len(keys))
	for len(keys) > 0 {
		chunk := keys[:min(len(keys), maxLookupKeys)]
		keys = keys[len(chunk):]
		args := make([]any, len(chunk))
		for i, k := range chunk {
			args[i] = k[:]
		}
		q := `SELECT key, request_hash, sample_index, text, finish_reason, prompt_tokens, completion_tokens, checksum FROM samples WHERE key IN (?` +
			strings.Repeat(", ?", len(chunk)-1) + `)`
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("store %s: lookup: %w", s.path, err)
		}
		var bad []*CorruptError
		for rows.Next() {
			var raw, reqHash, sum []byte
			var index int64
			var v storedSample
			if err := rows.Scan(&raw, &reqHash, &index, &v.text, &v.finishReason, &v.promptTokens, &v.completionTokens, &sum); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store %s: lookup: %w", s.path, err)
			}
			var k Key
			if copy(k[:], raw) != len(k) {
				rows.Close()
				return nil, fmt.Errorf("store %s: lookup: sample key of %d bytes, want %d", s.path, len(raw), len(k))
			}
			if !bytes.Equal(sum, rowChecksum(raw, reqHash, index, v.text, v.finishReason, v.promptTokens, v.completionTokens)) {
				bad = append(bad, &CorruptError{Path: s.path, Key: raw, RequestHash: reqHash, Index: index})
				continue
			}
			found[k] = v
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("store %s: lookup: %w", s.path, err)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store %s: lookup: %w", s.path, err)
		}
		for _, c := range bad {
			if !s.repair {
				return nil, c
			}
			if err := s.drop(ctx, c); err != nil {
				return nil, err
			}
		}
	}
	return found, nil
}

// drop deletes a row that failed its checksum, so that it is requested again.
func (s *Store) drop(ctx context.Context, c *CorruptError) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM samples WHERE key = ?`, c.Key); err != nil {
		return fmt.Errorf("store %s: drop corrupt sample: %w", s.path, err)
	}
	s.repaired.Add(1)
	s.log.Warn("store: dropped a sample that failed its checksum; requesting it again",
		slog.String("store", s.path), slog.String("key", fmt.Sprintf("%x", c.Key)), slog.Int64("sample", c.Index))
	return nil
}
