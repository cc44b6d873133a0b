package llm

import "sync/atomic"

// Stats counts a client's work since it was created.
type Stats struct {
	// Requests is the number of HTTP attempts sent.
	Requests int64
	// Retries is the number of attempts that followed a failed one.
	Retries int64
	// Errors counts failed attempts by kind.
	Errors map[ErrorKind]int64
	// Completions is the number of Complete calls that succeeded.
	Completions int64
	// PromptTokens and CompletionTokens sum the usage the servers reported.
	PromptTokens     int64
	CompletionTokens int64
	// InFlight is the number of HTTP attempts running now.
	InFlight int64
}

// counters are the client's live statistics.
type counters struct {
	requests, retries, completions atomic.Int64
	promptTokens, completionTokens atomic.Int64
	inFlight                       atomic.Int64
	errors                         [numErrorKinds]atomic.Int64
}

func (c *counters) addError(k ErrorKind) {
	for i, kind := range errorKinds() {
		if kind == k {
			c.errors[i].Add(1)
			return
		}
	}
}

func (c *counters) addUsage(u Usage) {
	c.promptTokens.Add(u.PromptTokens)
	c.completionTokens.Add(u.CompletionTokens)
}

func (c *counters) snapshot() Stats {
	s := Stats{
		Requests:         c.requests.Load(),
		Retries:          c.retries.Load(),
		Completions:      c.completions.Load(),
		PromptTokens:     c.promptTokens.Load(),
		CompletionTokens: c.completionTokens.Load(),
		InFlight:         c.inFlight.Load(),
		Errors:           make(map[ErrorKind]int64, numErrorKinds),
	}
	for i, kind := range errorKinds() {
		if v := c.errors[i].Load(); v != 0 {
			s.Errors[kind] = v
		}
	}
	return s
}
