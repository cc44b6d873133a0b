package method

import (
	"encoding/binary"
	"math/rand/v2"

	"github.com/cespare/xxhash/v2"
)

// SeedFor derives a seed for one random choice from the run seed, the
// question, the stage (e.g. "select", "hint/adapt") and an index within the
// stage. The same inputs always give the same seed; different questions,
// stages or indices give unrelated seeds. It is non-negative so that every
// server accepts it.
func SeedFor(seed int64, questionID, stage string, index int) int64 {
	d := xxhash.New()
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], uint64(seed))
	d.Write(buf[:])
	d.WriteString(questionID)
	d.Write([]byte{0})
	d.WriteString(stage)
	binary.LittleEndian.PutUint64(buf[:], uint64(index))
	d.Write(buf[:])
	return int64(d.Sum64() >> 33) // 31 bits: fits servers that take int32 seeds
}

// RandFor returns a deterministic random source for one choice, seeded by
// SeedFor.
func RandFor(seed int64, questionID, stage string, index int) *rand.Rand {
	s := uint64(SeedFor(seed, questionID, stage, index))
	return rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
}
