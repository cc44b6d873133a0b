// Package store is the run store: every LLM sample a run uses is committed
// to an SQLite database in the run directory before it is used, so that a
// re-run replays finished work and only repeats the calls that were in
// flight when it stopped.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// ErrClosed is returned by writes to a closed store.
var ErrClosed = errors.New("store: closed")

// busyTimeoutMS is how long a statement waits for another process's write lock.
const busyTimeoutMS = 30_000

// Store is an open run store. It is safe for concurrent use.
type Store struct {
	path string
	db   *sql.DB

	writes    chan *writeOp
	quit      chan struct{}
	writerEnd chan struct{}
	closeOnce sync.Once
	closeErr  error

	repair bool
	log    *slog.Logger

	hits, misses, shared atomic.Int64
	rows, commits        atomic.Int64
	repaired             atomic.Int64
}

// Option configures Open.
type Option func(*Store)

// WithRepair makes reads drop every sample row that fails its checksum
// (logging each to log, which may be nil) so that it is requested again,
// instead of failing with a *CorruptError.
func WithRepair(log *slog.Logger) Option {
	return func(s *Store) {
		s.repair = true
		if log != nil {
			s.log = log
		}
	}
}

// Open opens (creating if needed) the store at path and brings its schema
// up to date. The database runs in WAL mode with synchronous=FULL, so a
// committed sample survives a crash or power loss. Every sample row
// carries a checksum that reads verify.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	// Readers run in parallel under WAL; the one writer goroutine holds at
	// most one more connection.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: open: %w", path, err)
	}
	if err := migrate(ctx, db, path); err != nil {
		db.Close()
		return nil, err
	}
	if err := backfillChecksums(ctx, db, path); err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{
		path:      path,
		db:        db,
		log:       slog.New(slog.DiscardHandler),
		writes:    make(chan *writeOp),
		quit:      make(chan struct{}),
		writerEnd: make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	go s.writer()
	return s, nil
}

// dsn builds the modernc.org/sqlite data source name for an absolute path.
// Each pooled connection runs the pragmas; write transactions begin
// IMMEDIATE so that they take the write lock up front (no deadlock between
// a reader upgrading and another writer).
func dsn(abs string) string {
	u := url.URL{Scheme: "file", Path: abs}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	return u.String() + "?" + q.Encode()
}

// Path returns the path the store was opened with.
func (s *Store) Path() string { return s.path }

// Close waits for pending writes to commit and closes the database.
// Writes after Close fail with ErrClosed.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.quit)
		<-s.writerEnd
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("store %s: close: %w", s.path, err)
		}
	})
	return s.closeErr
}

// Stats counts the store's work since Open.
type Stats struct {
	// Hits is the number of samples served from the store.
	Hits int64
	// Misses is the number of samples requested from the model.
	Misses int64
	// Shared is the number of samples a caller received from an identical
	// request another caller had in flight.
	Shared int64
	// Rows is the number of samples committed; Commits the number of
	// transactions that committed them.
	Rows    int64
	Commits int64
	// Repaired is the number of rows dropped for failing their checksum
	// (with WithRepair).
	Repaired int64
}

// Stats returns a snapshot of the store's counters.
func (s *Store) Stats() Stats {
	return Stats{
		Hits:     s.hits.Load(),
		Misses:   s.misses.Load(),
		Shared:   s.shared.Load(),
		Rows:     s.rows.Load(),
		Commits:  s.commits.Load(),
		Repaired: s.repaired.Load(),
	}
}
