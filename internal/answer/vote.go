package answer

import "strings"

// Vote returns the majority answer among answers (self-consistency) and the
// share of the non-empty answers that agree with it. Answers are grouped by
// Canonical, so equivalent spellings vote together; the winner is the first
// spelling seen of the winning group, and a tie goes to the group seen
// first. Empty answers are ignored; with none left, Vote returns "", 0.
func Vote(answers []string, spec Spec) (winner string, share float64) {
	type group struct {
		first string
		count int
		order int
	}
	groups := make(map[string]*group)
	total := 0
	var best *group
	for _, a := range answers {
		if strings.TrimSpace(a) == "" {
			continue
		}
		key := Canonical(a, spec)
		if key == "" {
			continue
		}
		total++
		g, ok := groups[key]
		if !ok {
			g = &group{first: a, order: len(groups)}
			groups[key] = g
		}
		g.count++
		if best == nil || g.count > best.count || g.count == best.count && g.order < best.order {
			best = g
		}
	}
	if best == nil {
		return "", 0
	}
	return best.first, float64(best.count) / float64(total)
}
