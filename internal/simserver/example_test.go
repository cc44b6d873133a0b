package simserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/simserver"
)

func Example() {
	key := []simserver.Entry{{
		ID:       "q1",
		Question: "A farmer has 12 cows and buys 7 more. How many cows does the farmer have?",
		Answer:   "19",
		Spec:     answer.Spec{Type: answer.Number},
	}}
	// Accuracy 1 and no format variety: every solve ends in \boxed{19}.
	sim, err := simserver.Start(simserver.Config{Accuracy: 1, FormatVariety: -1}, key)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sim.Close()

	body := `{"model":"m","temperature":0,"messages":[{"role":"user","content":"Solve step by step.\n\n` + key[0].Question + `"}]}`
	resp, err := http.Post(sim.BaseURL+"/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var out struct {
		Choices []struct {
			Message      struct{ Content string }
			FinishReason string `json:"finish_reason"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		fmt.Println(err)
		return
	}
	text := out.Choices[0].Message.Content
	fmt.Println(text[strings.LastIndex(text, "\n")+1:])
	fmt.Println(out.Choices[0].FinishReason, sim.GreedyCorrect(key[0].Question), sim.Stats().Stages[simserver.StageSolve])
	// Output:
	// The final answer is \boxed{19}.
	// stop true 1
}
