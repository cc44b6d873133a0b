package export

import (
	"fmt"
	"unicode/utf8"

	"github.com/regenesis-ai/regenesis/internal/llm"
)

// charsPerToken is the usual ratio of characters to tokens for English and
// math text under BPE tokenizers; the count is an estimate, since the
// model's tokenizer is not at hand.
const charsPerToken = 4

// ApproxTokens estimates the number of tokens in s.
func ApproxTokens(s string) int {
	return (utf8.RuneCountInString(s) + charsPerToken - 1) / charsPerToken
}

// lengthCheck counts the examples longer than limit approximate tokens.
// It also keeps the longest example's length in characters.
type lengthCheck struct {
	limit        int
	over         int
	longest      int
	longestChars int
}

func (c *lengthCheck) add(msgs ...[]llm.Message) {
	n, chars := 0, 0
	for _, ms := range msgs {
		for _, m := range ms {
			n += ApproxTokens(m.Content)
			chars += utf8.RuneCountInString(m.Content)
		}
	}
	c.longest = max(c.longest, n)
	c.longestChars = max(c.longestChars, chars)
	if n > c.limit {
		c.over++
	}
}

func (c *lengthCheck) warning(total int) string {
	if c.over == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d examples are longer than ~%d tokens (longest ~%d, estimated at %d characters a token): "+
		"TRL's SFTTrainer truncates at max_length=%d by default; raise max_length (or cutoff_len in LLaMA-Factory, sequence_len in axolotl)",
		c.over, total, c.limit, c.longest, charsPerToken, DefaultTokenLimit)
}
