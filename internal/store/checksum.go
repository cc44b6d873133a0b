package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// checksumDomain separates the row checksum from any other use of SHA-256.
const checksumDomain = "regenesis store sample v1\x00"

// rowChecksum is the checksum of one sample row: SHA-256 over its request
// identity (sample key, request hash, sample index) and its response
// (text, finish reason, token counts), each length-prefixed.
func rowChecksum(key, reqHash []byte, index int64, text, finish string, prompt, completion int64) []byte {
	h := sha256.New()
	h.Write([]byte(checksumDomain))
	var n [8]byte
	writeBytes := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	writeInt := func(v int64) {
		binary.BigEndian.PutUint64(n[:], uint64(v))
		h.Write(n[:])
	}
	writeBytes(key)
	writeBytes(reqHash)
	writeInt(index)
	writeBytes([]byte(text))
	writeBytes([]byte(finish))
	writeInt(prompt)
	writeInt(completion)
	return h.Sum(nil)
}

// CorruptError reports a stored sample whose row does not match its
// checksum: it was changed on disk after it was written.
type CorruptError struct {
	// Path is the store's file.
	Path string
	// Key is the sample's key, RequestHash its request's, Index its
	// index within the request.
	Key, RequestHash []byte
	Index            int64
}

// Error implements error.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("store %s: sample row key=%s (request %s, sample %d) does not match its checksum: it was changed on disk; "+
		"run the same command again with --repair to drop such rows and request them again",
		e.Path, hex.EncodeToString(e.Key), hex.EncodeToString(e.RequestHash), e.Index)
}

// backfillChecksums computes the checksums of rows written before the
// checksum migration, trusting their contents as they are at the upgrade.
func backfillChecksums(ctx context.Context, db *sql.DB, path string) error {
	var missing int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM samples WHERE checksum IS NULL`).Scan(&missing); err != nil {
		return fmt.Errorf("store %s: checksums: %w", path, err)
	}
	if missing == 0 {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store %s: checksums: %w", path, err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT key, request_hash, sample_index, text, finish_reason, prompt_tokens, completion_tokens
		FROM samples WHERE checksum IS NULL`)
	if err != nil {
		return fmt.Errorf("store %s: checksums: %w", path, err)
	}
	type fix struct{ key, sum []byte }
	var fixes []fix
	for rows.Next() {
		var key, reqHash []byte
		var index, prompt, completion int64
		var text, finish string
		if err := rows.Scan(&key, &reqHash, &index, &text, &finish, &prompt, &completion); err != nil {
			rows.Close()
			return fmt.Errorf("store %s: checksums: %w", path, err)
		}
		fixes = append(fixes, fix{key, rowChecksum(key, reqHash, index, text, finish, prompt, completion)})
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("store %s: checksums: %w", path, err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store %s: checksums: %w", path, err)
	}
	stmt, err := tx.PrepareContext(ctx, `UPDATE samples SET checksum = ? WHERE key = ?`)
	if err != nil {
		return fmt.Errorf("store %s: checksums: %w", path, err)
	}
	defer stmt.Close()
	for _, f := range fixes {
		if _, err := stmt.ExecContext(ctx, f.sum, f.key); err != nil {
			return fmt.Errorf("store %s: checksums: %w", path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store %s: checksums: %w", path, err)
	}
	return nil
}
