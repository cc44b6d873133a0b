package store

import (
	"crypto/sha256"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/regenesis-ai/regenesis/internal/llm"
)

func sha256Hex(s string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte(s))) }

func runtimeGosched() { runtime.Gosched() }

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func flyingCount(c llm.Completer) int {
	cc := c.(*cachedCompleter)
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return len(cc.flying)
}
