// Package simserver is a TEST DOUBLE: a simulated OpenAI-compatible
// chat-completion server that plays a reasoning model over an answer key.
// It exists for tests, benchmarks and demos; it is not a model and is never
// a default anywhere.
//
// # What it answers
//
// A request's question is the answer-key question found verbatim inside its
// last user message (earlier messages are searched when the last has none;
// the longest matching question wins). The kind of reply follows the stage
// cues of docs/DESIGN.md, checked in order, case-insensitively, in the last
// user message:
//
//   - select: "reply only with the numbers" -> 2-3 numbers from the prompt's
//     numbered list, in varied formats ("3, 7", "Selected: 2 and 14", "[5, 9, 11]").
//   - judge: "reference answer:" and "reply yes or no" -> "Yes" when the
//     final answer of the text after "Proposed solution:" equals the
//     reference answer, else "No".
//   - adapt: "rewrite each selected guideline" -> one or two sentences per
//     listed guideline.
//   - structure: "reasoning structure" -> a numbered plan without an answer.
//   - solve: anything else -> a few reasoning steps ending in a final answer.
//
// A hint is a line containing "hint" (any case) and the gold answer as a
// whole token; a hinted solve reaches the gold answer with probability
// Config.HintAccuracy.
//
// # How often it is right
//
// Each question q has a probability p_q of a correct solve. With u_q a
// uniform draw from the hash of the question text and A = Config.Accuracy,
//
//	p_q = u_q^((1-A)/A)
//
// so the mean of p_q over questions is exactly A, easy questions sit near 1
// and hard ones near 0, as with a real model. A sampled solve (temperature
// above 0) is right when a uniform draw from hash(Config.Seed, question,
// request seed, choice index, temperature) is below p_q. At temperature 0
// the draw depends on Config.Seed and the question only, so greedy output is
// deterministic and [Server.GreedyCorrect] says exactly what it will be.
// A question's wrong answers are all one plausible mistake (another number,
// another choice letter, the flipped yes/no, other text), so a majority vote
// over K samples is a two-way contest whose chance of being right is
// [Server.MajorityCorrect].
//
// A request without a seed at temperature above 0 is drawn with the
// server's request counter in place of the seed: like a real server, the
// same unseeded request gives different samples.
//
// # Faults
//
// Config.Faults injects 429 (with Retry-After), 500, dropped connections,
// truncated replies (finish_reason "length") and malformed JSON bodies,
// chosen deterministically from Config.Seed and the request counter;
// Config.Latency adds a fixed delay plus jitter; Config.NMode makes the
// server honour, ignore (like Ollama) or reject n > 1. [Server.Stats]
// counts requests, stages, faults and how often each distinct request body
// was answered successfully, so tests can prove nothing was sent twice.
//
// # Files and fine-tuning
//
// The server also plays the OpenAI files, uploads and fine-tuning API that
// `regenesis train --engine openai` uses: POST /v1/files (multipart),
// GET /v1/files[/{id}], POST /v1/uploads, /v1/uploads/{id}/parts,
// /complete (part order and md5 checked) and /cancel, POST and GET
// /v1/fine_tuning/jobs, GET /v1/fine_tuning/jobs/{id}, its /events (newest
// first, paginated with after, limit and has_more) and POST .../cancel.
// These endpoints want a bearer token (any) and answer 401 without one.
// A training file is checked line by line (JSON, a messages list with an
// assistant message, at least FineTune.MinExamples lines); a job on a bad
// file fails with code invalid_training_file. A job validates, queues, runs
// (emitting "Step i/N: training loss=..." events) and succeeds after
// FineTune.Duration of the FineTune.Now clock, yielding a model named
// ft:BASE:regenesis-simserver:SUFFIX:ID. Chat requests for that model are
// answered with Config.Accuracy + FineTune.Uplift per round of fine-tuning
// (capped at 0.99); a fine-tuned name that no job made gets 404
// model_not_found. Only the simulated accuracy changes: nothing is learnt
// from the data, which is what a test double of training can honestly do.
package simserver
