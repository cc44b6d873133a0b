package store

import (
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkCachedCompleterWrites measures new samples committed per second
// through the cached completer when 256 callers miss at once (an instant
// model), so that every sample goes through the group-commit writer with
// synchronous=FULL.
func BenchmarkCachedCompleterWrites(b *testing.B) {
	const callers = 256
	s, err := Open(b.Context(), filepath.Join(b.TempDir(), "store.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := NewCachedCompleter(s, &fakeModel{})
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range callers {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				if _, err := c.Complete(b.Context(), request(1, seedOf(i))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	st := s.Stats()
	b.ReportMetric(float64(st.Rows)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(st.Rows)/float64(max(st.Commits, 1)), "rows/commit")
}
