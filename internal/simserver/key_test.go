package simserver

import (
	"fmt"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	t.Parallel()
	long := "A farmer has 12 cows and buys 7 more at the market on Tuesday. How many cows does the farmer have now?"
	longer := long + " Give the number of legs as well."
	shared := "The following paragraphs each describe a set of five objects arranged in a fixed order. "
	key := []Entry{
		{ID: "long", Question: long},
		{ID: "longer", Question: longer},
		{ID: "shared1", Question: shared + "The owl is left of the robin."},
		{ID: "shared2", Question: shared + "The owl is right of the robin."},
		{ID: "short", Question: "2+2?"},
		{ID: "tiny", Question: "Hi"},
		{ID: "mid", Question: "What is the capital of France, in English?"},
		{ID: "padded", Question: "  \nQuestion with surrounding space that is long enough.\n\n"},
		{ID: "dup", Question: long}, // the first entry with a text wins
	}
	ix := newIndex(key)
	tests := []struct {
		name string
		text string
		want string // ID, or "" for none
	}{
		{"whole prompt", long, "long"},
		{"inside a prompt", "Solve it.\n\n" + long + "\n\nPlan:\n1. x", "long"},
		{"longest match wins", "Problem:\n" + longer, "longer"},
		{"shared prefix, first", "x " + shared + "The owl is left of the robin.", "shared1"},
		{"shared prefix, second", shared + "The owl is right of the robin. y", "shared2"},
		{"shared prefix only", shared + "The owl is above the robin.", ""},
		{"short question", "Question: 2+2? Answer briefly.", "short"},
		{"two-byte question", "Hi", "tiny"},
		{"medium question", "Q: What is the capital of France, in English?", "mid"},
		{"trimmed on indexing", "Problem:\nQuestion with surrounding space that is long enough.", "padded"},
		{"not in key", "A farmer has 12 cows and buys 8 more at the market on Tuesday.", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := ix.find(tt.text)
			got := ""
			if ok {
				got = e.ID
			}
			if got != tt.want {
				t.Errorf("find = %q, want %q", got, tt.want)
			}
		})
	}
	if got := len(ix.entries); got != len(key)-1 {
		t.Errorf("indexed %d entries, want %d (duplicate dropped)", got, len(key)-1)
	}
}

func TestLookupRealQuestions(t *testing.T) {
	t.Parallel()
	key := mixedKey(t, 200)
	ix := newIndex(key)
	for _, e := range key {
		for _, prompt := range []string{solvePrompt(e.Question), judgePrompt(e.Question, e.Answer, "x"), selectPrompt(e.Question)} {
			got, ok := ix.find(prompt)
			if !ok || got.Question != strings.TrimSpace(e.Question) {
				t.Fatalf("question %s not found in its prompt (got %v)", e.ID, got)
			}
		}
	}
}

// syntheticKey builds n distinct questions that share long prefixes, the
// hard case for a prefix index.
func syntheticKey(n int) []Entry {
	key := make([]Entry, n)
	for i := range key {
		key[i] = Entry{
			ID:       fmt.Sprint("q", i),
			Question: fmt.Sprintf("A shop sells boxes of pencils. Each box holds %d pencils and a class needs %d of them. How many boxes must the class buy? (case %d)", 3+i%97, 10+i%1013, i),
			Answer:   fmt.Sprint(i % 50),
		}
	}
	return key
}

func TestLookupLargeKey(t *testing.T) {
	t.Parallel()
	key := syntheticKey(100_000)
	ix := newIndex(key)
	for _, i := range []int{0, 1, 4242, 99_999} {
		e, ok := ix.find(solvePrompt(key[i].Question))
		if !ok || e.ID != key[i].ID {
			t.Errorf("find(question %d) = %v, %v; want %s", i, e, ok, key[i].ID)
		}
	}
}

func BenchmarkLookup100k(b *testing.B) {
	key := syntheticKey(100_000)
	ix := newIndex(key)
	prompts := make([]string, 64)
	for i := range prompts {
		prompts[i] = judgePrompt(key[i*1500].Question, "3", strings.Repeat("Step: add the numbers carefully. ", 40))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, ok := ix.find(prompts[i%len(prompts)]); !ok {
			b.Fatal("not found")
		}
	}
}
