package answer_test

import (
	"fmt"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

func ExampleExtract() {
	reply := "Example: the answer is 7.\nShe sells 16 - 3 - 4 = 9 eggs at $2 each.\nThe answer is $\\boxed{\\$18}$."
	num := answer.Spec{Type: answer.Number}
	fmt.Println(answer.Extract(reply, num, answer.Strict))
	fmt.Println(answer.Extract("So she makes $1,234 in total.", num, answer.Strict))
	fmt.Println(answer.Extract("So she makes $1,234 in total.", num, answer.Lenient))

	mc := answer.Spec{Type: answer.Choice, Options: []answer.Option{{Label: "A", Text: "Planting trees"}, {Label: "B", Text: "Building roads"}}}
	fmt.Println(answer.Extract(`\boxed{(A) Planting trees}`, mc, answer.Strict))
	// Output:
	// 18 true
	//  false
	// 1234 true
	// A true
}

func ExampleEqual() {
	fmt.Println(answer.Equal("1.05", "15", answer.Spec{Type: answer.Number}))
	fmt.Println(answer.Equal("True", "yes", answer.Spec{Type: answer.YesNo}))
	fmt.Println(answer.Equal(`\dfrac{1}{2}`, "0.5", answer.Spec{Type: answer.Math}))
	fmt.Println(answer.Equal(`\left( 3, \frac{\pi}{2} \right)`, `(3,\frac{\pi}{2})`, answer.Spec{Type: answer.Math}))
	// Output:
	// false
	// true
	// true
	// true
}

func ExampleVote() {
	winner, share := answer.Vote([]string{"$18", "18.00", "20", "", "18 dollars"}, answer.Spec{Type: answer.Number})
	fmt.Println(winner, share)
	// Output: $18 0.75
}
