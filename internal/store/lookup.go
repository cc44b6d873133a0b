package store

import (
	"context"
	"fmt"
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

// lookup returns the stored samples among keys.
func (s *Store) lookup(ctx context.Context, keys []Key) (map[Key]storedSample, error) {
	found := make(map[Key]storedSample, len(keys))
	for len(keys) > 0 {
		chunk := keys[:min(len(keys), maxLookupKeys)]
		keys = keys[len(chunk):]
		args := make([]any, len(chunk))
		for i, k := range chunk {
			args[i] = k[:]
		}
		q := `SELECT key, text, finish_reason, prompt_tokens, completion_tokens FROM samples WHERE key IN (?` +
			strings.Repeat(", ?", len(chunk)-1) + `)`
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("store %s: lookup: %w", s.path, err)
		}
		for rows.Next() {
			var raw []byte
			var v storedSample
			if err := rows.Scan(&raw, &v.text, &v.finishReason, &v.promptTokens, &v.completionTokens); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store %s: lookup: %w", s.path, err)
			}
			var k Key
			if copy(k[:], raw) != len(k) {
				rows.Close()
				return nil, fmt.Errorf("store %s: lookup: sample key of %d bytes, want %d", s.path, len(raw), len(k))
			}
			found[k] = v
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("store %s: lookup: %w", s.path, err)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store %s: lookup: %w", s.path, err)
		}
	}
	return found, nil
}
