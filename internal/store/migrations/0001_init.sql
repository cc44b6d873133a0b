-- Requests, keyed by the SHA-256 of their canonical JSON (see key.go). The
-- body never holds credentials: llm.Request has no field for them.
CREATE TABLE requests (
	hash       BLOB PRIMARY KEY,
	body       TEXT NOT NULL,
	created_at INTEGER NOT NULL -- unix milliseconds
) WITHOUT ROWID;

-- One row per sample: sample i of a request is stored under
-- sha256(canonical JSON + "\n" + i).
CREATE TABLE samples (
	key               BLOB PRIMARY KEY,
	request_hash      BLOB NOT NULL REFERENCES requests (hash),
	sample_index      INTEGER NOT NULL,
	text              TEXT NOT NULL,
	finish_reason     TEXT NOT NULL,
	prompt_tokens     INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	created_at        INTEGER NOT NULL -- unix milliseconds
) WITHOUT ROWID;

CREATE INDEX samples_by_request ON samples (request_hash, sample_index);

-- Run metadata for other packages (PutMeta, GetMeta).
CREATE TABLE meta (
	key        TEXT PRIMARY KEY,
	value      BLOB NOT NULL,
	updated_at INTEGER NOT NULL -- unix milliseconds
) WITHOUT ROWID;
