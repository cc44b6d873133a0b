package store

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/regenesis-ai/regenesis/internal/llm"
)

// Key identifies one stored sample.
type Key [sha256.Size]byte

// keyRequest is the canonical form of a request: every field that changes
// what the server samples, in a fixed order, and nothing else. N is left
// out, so asking for 20 samples and later for 25 reuses the first 20.
type keyRequest struct {
	Model       string        `json:"model"`
	Messages    []llm.Message `json:"messages"`
	Temperature float64       `json:"temperature"`
	TopP        float64       `json:"top_p"`
	MaxTokens   int           `json:"max_tokens"`
	Seed        *int64        `json:"seed"`
	Stop        []string      `json:"stop"`
}

// canonicalRequest returns the canonical JSON of req.
func canonicalRequest(req llm.Request) ([]byte, error) {
	k := keyRequest{
		Model:       req.Model,
		Messages:    req.Messages,
		Temperature: req.Temperature,
		TopP:        req.TopP,
		MaxTokens:   req.MaxTokens,
		Seed:        req.Seed,
		Stop:        req.Stop,
	}
	if len(k.Stop) == 0 {
		k.Stop = nil // no stop sequences, however spelled
	}
	b, err := json.Marshal(k)
	if err != nil {
		return nil, fmt.Errorf("store: encode request: %w", err)
	}
	return b, nil
}

// sampleKey is the key of sample i of a request whose canonical JSON
// (canonicalRequest) is canon: sha256(canon + "\n" + i).
func sampleKey(canon []byte, i int) Key {
	h := sha256.New()
	h.Write(canon)
	h.Write([]byte{'\n'})
	h.Write(strconv.AppendInt(nil, int64(i), 10))
	var k Key
	h.Sum(k[:0])
	return k
}
