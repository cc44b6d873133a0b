package simserver

import "github.com/regenesis-ai/regenesis/internal/task"

// EntryFor is the answer-key entry of a task example.
func EntryFor(ex task.Example) Entry {
	return Entry{ID: ex.ID, Question: ex.Question, Answer: ex.Answer, Spec: ex.Spec}
}

// Key is the answer key of the examples, in order.
func Key(exs ...task.Example) []Entry {
	key := make([]Entry, len(exs))
	for i, ex := range exs {
		key[i] = EntryFor(ex)
	}
	return key
}
