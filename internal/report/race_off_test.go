//go:build !race

package report

// raceEnabled is true when the tests run with -race.
const raceEnabled = false
