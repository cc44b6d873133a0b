package simserver

import (
	"sync"
	"sync/atomic"
)

// Stats is a snapshot of what the server has seen.
type Stats struct {
	// Requests counts chat-completion requests received, faulted ones included.
	Requests int64
	// Succeeded counts requests answered 200 with a well-formed body
	// (truncated replies included; malformed ones not).
	Succeeded int64
	// Rejected counts requests answered 400 (bad JSON, bad fields, n > 1
	// under NReject).
	Rejected int64
	// Choices counts the choices returned in successful responses.
	Choices int64
	// PromptTokens and CompletionTokens sum the usage reported.
	PromptTokens     int64
	CompletionTokens int64
	// Stages counts, by stage, the requests that got a generated reply
	// (truncated ones included).
	Stages map[Stage]int64
	// Hinted counts solve requests whose prompt hinted at the gold answer.
	Hinted int64
	// Faults counts the faults injected, by kind (FaultNone is absent).
	Faults map[Fault]int64
	// DistinctBodies counts distinct request bodies answered successfully;
	// RepeatedBodies counts those answered successfully more than once.
	// A client that resumes from a store without repeating work keeps
	// RepeatedBodies at 0.
	DistinctBodies int
	RepeatedBodies int
}

// counters are the live counts behind Stats.
type counters struct {
	requests, succeeded, rejected, choices atomic.Int64
	promptTokens, completionTokens, hinted atomic.Int64
	stages                                 [numStages]atomic.Int64
	faults                                 [numFaults]atomic.Int64

	mu       sync.Mutex
	bodies   map[uint64]int32 // xxhash of a request body -> successful answers
	repeated int
}

func (c *counters) served(body uint64) {
	c.mu.Lock()
	n := c.bodies[body] + 1
	c.bodies[body] = n
	if n == 2 {
		c.repeated++
	}
	c.mu.Unlock()
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	c := &s.counts
	st := Stats{
		Requests:         c.requests.Load(),
		Succeeded:        c.succeeded.Load(),
		Rejected:         c.rejected.Load(),
		Choices:          c.choices.Load(),
		PromptTokens:     c.promptTokens.Load(),
		CompletionTokens: c.completionTokens.Load(),
		Hinted:           c.hinted.Load(),
		Stages:           make(map[Stage]int64, numStages),
		Faults:           make(map[Fault]int64, numFaults),
	}
	for i := range c.stages {
		if n := c.stages[i].Load(); n > 0 {
			st.Stages[Stage(i)] = n
		}
	}
	for i := FaultRateLimit; i < numFaults; i++ {
		if n := c.faults[i].Load(); n > 0 {
			st.Faults[i] = n
		}
	}
	c.mu.Lock()
	st.DistinctBodies, st.RepeatedBodies = len(c.bodies), c.repeated
	c.mu.Unlock()
	return st
}

// served returns how many times a request with exactly this body was
// answered successfully.
func (s *Server) served(body []byte) int {
	h := hashBytes(body)
	s.counts.mu.Lock()
	defer s.counts.mu.Unlock()
	return int(s.counts.bodies[h])
}
