package eval_test

import (
	"fmt"

	"github.com/regenesis-ai/regenesis/internal/eval"
)

// Eight correct answers out of ten: accuracy 0.8 with its 95% interval.
func ExampleWilson() {
	lo, hi := eval.Wilson(8, 10)
	fmt.Printf("[%.3f, %.3f]\n", lo, hi)
	// Output: [0.490, 0.943]
}
