package llm_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/regenesis-ai/regenesis/internal/llm"
)

func ExampleClient_Complete() {
	// A stand-in for vLLM, SGLang, llama.cpp or Ollama.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"42"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":1}}`)
	}))
	defer srv.Close()

	c, err := llm.NewClient(llm.Options{BaseURLs: []string{srv.URL + "/v1"}, APIKey: "sk-...", MaxRetries: llm.DefaultMaxRetries, GiveUpAfter: llm.DefaultGiveUpAfter})
	if err != nil {
		log.Fatal(err)
	}
	resp, err := c.Complete(context.Background(), llm.Request{
		Model:     "qwen2.5-7b-instruct",
		Messages:  []llm.Message{{Role: "user", Content: "What is 6*7? Answer with a number."}},
		TopP:      1,
		MaxTokens: 16,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Choices[0].Text, resp.Choices[0].FinishReason, c.Stats().CompletionTokens)
	// Output: 42 stop 1
}
