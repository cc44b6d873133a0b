package simserver

import (
	"strings"
)

// accuracyFor returns the accuracy the server plays model with, and
// whether it answers as that model at all. Any name is answered as the base
// model (servers often ignore the name), except a name of the fine-tuned
// form ("ft:..."): it is answered only once a job of this server made it,
// with Config.Accuracy plus FineTune.Uplift per round of fine-tuning behind
// it, capped at 0.99; other "ft:" names get 404, as with the API.
func (s *Server) accuracyFor(model string) (float64, bool) {
	if !strings.HasPrefix(model, "ft:") {
		return s.cfg.accuracy, true
	}
	rounds, ok := s.ft.rounds(model)
	if !ok {
		return 0, false
	}
	base := s.cfg.accuracy
	// The cap never lowers a base model that is better than it.
	return min(max(maxAccuracy, base), base+float64(rounds)*s.cfg.fineTune.uplift), true
}

// greedyCorrectFor is GreedyCorrect for the given model.
func (s *Server) greedyCorrectFor(model, question string) bool {
	acc, ok := s.accuracyFor(model)
	if !ok {
		return false
	}
	qh := hashString(strings.TrimSpace(question))
	return s.draw(saltGreedy, qh, sampleKey{}) < difficulty(qh, acc)
}
