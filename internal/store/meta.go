package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// PutMeta stores value under key in the run's metadata table, replacing
// any earlier value. The write is committed when PutMeta returns.
func (s *Store) PutMeta(ctx context.Context, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?)
		 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, value, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("store %s: put meta %q: %w", s.path, key, err)
	}
	return nil
}

// GetMeta returns the value stored under key, and false when there is none.
func (s *Store) GetMeta(ctx context.Context, key string) ([]byte, bool, error) {
	var value []byte
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&value)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("store %s: get meta %q: %w", s.path, key, err)
	}
	return value, true, nil
}
