package store_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/store"
)

// countingModel answers "sample <seed>" and counts its calls.
type countingModel struct{ calls int }

func (m *countingModel) Complete(_ context.Context, req llm.Request) (*llm.Response, error) {
	m.calls++
	resp := &llm.Response{}
	for i := range max(req.N, 1) {
		resp.Choices = append(resp.Choices, llm.Choice{Index: i, Text: fmt.Sprintf("sample %d", *req.Seed+int64(i)), FinishReason: "stop"})
	}
	return resp, nil
}

func ExampleNewCachedCompleter() {
	dir, err := os.MkdirTemp("", "regenesis-store")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(dir, "store.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	model := &countingModel{}
	c := store.NewCachedCompleter(s, model)
	seed := int64(7)
	req := llm.Request{Model: "m", Messages: []llm.Message{{Role: "user", Content: "6*7?"}}, N: 2, Seed: &seed}

	first, _ := c.Complete(ctx, req) // both samples from the model
	req.N = 3
	second, _ := c.Complete(ctx, req) // two from the store, the third from the model
	fmt.Println(first.Choices[1].Text, first.Cached)
	fmt.Println(second.Choices[2].Text, second.Cached, model.calls)
	// Output:
	// sample 8 false
	// sample 9 false 2
}
