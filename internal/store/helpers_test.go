package store

import (
	"crypto/sha256"
	"fmt"
	"runtime"
)

func sha256Hex(s string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte(s))) }

func runtimeGosched() { runtime.Gosched() }
