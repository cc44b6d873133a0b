package store

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// corruptFile replaces old with new (same length) in the file at path,
// as a flipped digit on disk would.
func corruptFile(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte(old)); n != 1 {
		t.Fatalf("%q occurs %d times in %s, want 1", old, n, path)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptRowOnDisk(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "store.db")
	model := &fakeModel{}
	s := openTestStore(t, path)
	req := request(5, seedOf(1000))
	if _, err := NewCachedCompleter(s, model).Complete(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		if b, _ := os.ReadFile(path + "-wal"); len(b) > 0 {
			t.Fatalf("the WAL was not checkpointed at Close; the corruption below would miss the rows")
		}
	}
	corruptFile(t, path, "s1002", "s1092")

	// Without --repair: an error naming the row and how to fix it.
	s = openTestStore(t, path)
	_, err := NewCachedCompleter(s, model).Complete(t.Context(), req)
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("read of a corrupt row: %v, want a *CorruptError", err)
	}
	key, kerr := requestSampleKey(req, 2)
	if kerr != nil {
		t.Fatal(kerr)
	}
	if ce.Index != 2 || !bytes.Equal(ce.Key, key[:]) {
		t.Errorf("error names sample %d key %x, want sample 2 key %x", ce.Index, ce.Key, key)
	}
	for _, want := range []string{hex.EncodeToString(key[:]), "--repair", path} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if len(model.asked()) != 1 {
		t.Errorf("model asked %v; a corrupt store must not be papered over", model.asked())
	}
	s.Close()

	// With repair: the bad row is dropped and requested again, alone.
	s, err = Open(t.Context(), path, WithRepair(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	resp, err := NewCachedCompleter(s, model).Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"s1000", "s1001", "s1002", "s1003", "s1004"}, choiceTexts(resp)); diff != "" {
		t.Errorf("repaired response (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"n=5 seed=1000", "n=1 seed=1002"}, model.asked()); diff != "" {
		t.Errorf("model calls (-want +got):\n%s", diff)
	}
	if st := s.Stats(); st.Repaired != 1 {
		t.Errorf("Repaired = %d, want 1", st.Repaired)
	}
	// Repaired for good: a plain read now passes.
	if _, err := NewCachedCompleter(s, model).Complete(t.Context(), req); err != nil {
		t.Errorf("read after repair: %v", err)
	}
}

func TestChecksumsBackfilled(t *testing.T) {
	t.Parallel()
	// Rows from before the checksum migration have none; Open computes them.
	path := filepath.Join(t.TempDir(), "store.db")
	model := &fakeModel{}
	s := openTestStore(t, path)
	req := request(3, seedOf(7))
	if _, err := NewCachedCompleter(s, model).Complete(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`UPDATE samples SET checksum = NULL`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTestStore(t, path)
	var missing int
	if err := s.db.QueryRow(`SELECT count(*) FROM samples WHERE checksum IS NULL`).Scan(&missing); err != nil || missing != 0 {
		t.Fatalf("%d rows without a checksum after Open (%v)", missing, err)
	}
	resp, err := NewCachedCompleter(s, model).Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !resp.Cached || len(model.asked()) != 1 {
		t.Errorf("backfilled rows not served from the store: cached=%v calls=%v", resp.Cached, model.asked())
	}
}

func TestChecksumCoversEveryField(t *testing.T) {
	t.Parallel()
	base := func() []byte { return rowChecksum([]byte("k"), []byte("r"), 1, "text", "stop", 10, 20) }
	changed := map[string][]byte{
		"key":        rowChecksum([]byte("K"), []byte("r"), 1, "text", "stop", 10, 20),
		"request":    rowChecksum([]byte("k"), []byte("R"), 1, "text", "stop", 10, 20),
		"index":      rowChecksum([]byte("k"), []byte("r"), 2, "text", "stop", 10, 20),
		"text":       rowChecksum([]byte("k"), []byte("r"), 1, "texT", "stop", 10, 20),
		"finish":     rowChecksum([]byte("k"), []byte("r"), 1, "text", "length", 10, 20),
		"prompt":     rowChecksum([]byte("k"), []byte("r"), 1, "text", "stop", 11, 20),
		"completion": rowChecksum([]byte("k"), []byte("r"), 1, "text", "stop", 10, 21),
		"boundary":   rowChecksum([]byte("k"), []byte("r"), 1, "tex", "tstop", 10, 20),
	}
	for field, sum := range changed {
		if bytes.Equal(sum, base()) {
			t.Errorf("changing %s leaves the checksum unchanged", field)
		}
	}
	if !bytes.Equal(base(), base()) {
		t.Error("checksum not deterministic")
	}
}
