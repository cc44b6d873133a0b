-- Each sample row carries a SHA-256 checksum of its request identity (key,
-- request hash, sample index) and its response (text, finish reason,
-- token counts); see checksum.go. Reads verify it. Rows written before
-- this migration get theirs computed when the store is opened.
ALTER TABLE samples ADD COLUMN checksum BLOB;
