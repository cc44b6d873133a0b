package store

import (
	"crypto/sha256"
	"fmt"
	"runtime"

	"github.com/regenesis-ai/regenesis/internal/llm"
)

func sha256Hex(s string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte(s))) }

func runtimeGosched() { runtime.Gosched() }

// requestSampleKey is the key the store gives sample i of req.
func requestSampleKey(req llm.Request, i int) (Key, error) {
	canon, err := canonicalRequest(req)
	if err != nil {
		return Key{}, err
	}
	return sampleKey(canon, i), nil
}
