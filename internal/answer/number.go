package answer

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Numbers as people and models write them: signs (ASCII and U+2212),
// currency, thousands separators, decimals, fractions, percent, units and
// the LaTeX spellings of all of these.

var (
	// numberRE matches one written number (decimal, scientific, fraction,
	// percent). A sign is only part of the number when nothing word-like
	// precedes it (see numberMatches).
	numberRE = regexp.MustCompile(`[-+]?\$?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+\b)?(?:\s*/\s*\d+(?:\.\d+)?)?(?:\s*%)?|[-+]?\$?\.\d+(?:\s*%)?`)

	// latexNumFracRE is \frac{a}{b} (and \dfrac, \tfrac) with plain numbers.
	latexNumFracRE = regexp.MustCompile(`\\[dt]?frac\s*\{\s*([-+]?[\d.,]+)\s*\}\s*\{\s*([-+]?[\d.,]+)\s*\}`)
	// latexShortFracRE is \frac12 and \frac 34: one digit per argument.
	latexShortFracRE = regexp.MustCompile(`\\[dt]?frac\s*(\d)\s*(\d)`)
	// latexTextRE unwraps \text{...} and its relatives (no nested braces).
	latexTextRE = regexp.MustCompile(`\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}`)
	// degreeRE is a degree sign in its LaTeX and Unicode spellings.
	degreeRE = regexp.MustCompile(`\^\s*\{?\s*\\circ\s*\}?|\\circ|°|\\degree`)

	// unitTailRE is what may follow a number that is still "just the
	// number": unit words, "(people)", "cm^2", "km/h", a closing period.
	unitTailRE = regexp.MustCompile(`^[\s\p{L}().'’/]*(?:\^\s*\{?[23]\}?|[²³])?[\s\p{L}().'’/]*$`)
	// numericReplacer rewrites LaTeX escapes and spacing around numbers.
	numericReplacer = strings.NewReplacer(
		`\$`, "$", `\%`, "%", `\!`, "", `\,`, "", `\;`, " ", `\ `, " ", `{,}`, ",",
		"−", "-", `\left`, "", `\right`, "", `\dollar`, "$",
	)
	// calculatorRE is a GSM8K calculator annotation, "<<48+16=64>>".
	calculatorRE = regexp.MustCompile(`<<[^<>]*>>`)
	// currencyLeadRE is a currency written before a number.
	currencyLeadRE = regexp.MustCompile(`^(?i:usd|us\$|rs\.?|inr|eur|gbp)\s*|^[€£¥₹]\s*`)
)

// numericPrep rewrites LaTeX and typographic spellings of numbers into plain
// text that numberRE reads: "\$1{,}000", "\frac{1}{2}", "50\%", "−3".
func numericPrep(s string) string {
	if strings.Contains(s, "<<") {
		s = calculatorRE.ReplaceAllString(s, "") // GSM8K's "<<48+16=64>>64"
	}
	if strings.ContainsAny(s, "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞") {
		s = replaceVulgar(s)
	}
	if strings.ContainsAny(s, `\−{°`) {
		s = latexTextRE.ReplaceAllString(s, "$1")
		// The space keeps "1\frac{1}{2}" from reading as 11/2.
		s = latexNumFracRE.ReplaceAllString(s, " $1/$2")
		s = latexShortFracRE.ReplaceAllString(s, " $1/$2")
		s = degreeRE.ReplaceAllString(s, "")
		s = numericReplacer.Replace(s)
	}
	return strings.ReplaceAll(s, "$-", "-$")
}

// numberMatches returns the spans of the numbers written in s (already
// prepared by numericPrep). A leading sign right after a letter, digit or
// closing bracket is an operator ("10-3"), not part of the number.
func numberMatches(s string) [][]int {
	locs := numberRE.FindAllStringIndex(s, -1)
	for _, loc := range locs {
		if c := s[loc[0]]; (c == '-' || c == '+') && loc[0] > 0 {
			p := s[loc[0]-1]
			if isWordByte(p) || p == ')' || p == ']' || p == '}' {
				loc[0]++
			}
		}
	}
	return locs
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// cleanNumberToken turns a numberRE match into its plain form: no currency,
// no thousands separators or spaces, an explicit "+" dropped ("-$1,234.5" ->
// "-1234.5", "3 / 4" -> "3/4", "50 %" -> "50%").
func cleanNumberToken(tok string) string {
	tok = strings.Map(func(r rune) rune {
		if r == '$' || r == ',' || r == ' ' || r == '\t' || r == '\n' {
			return -1
		}
		return r
	}, tok)
	return strings.TrimPrefix(tok, "+")
}

// numberIn returns the first (or last) number written in s, cleaned. When
// the whole of s is one number with at most a unit after it, that number
// is returned whatever last says.
func numberIn(s string, last bool) (string, bool) {
	s = numericPrep(s)
	if tok, ok := wholeNumber(s); ok {
		return tok, true
	}
	locs := numberMatches(s)
	if len(locs) == 0 {
		return "", false
	}
	loc := locs[0]
	if last {
		loc = locs[len(locs)-1]
	}
	return cleanNumberToken(s[loc[0]:loc[1]]), true
}

// wholeNumber reports whether s (prepared) is one number, optionally with
// a currency before it and a unit after it, and returns it cleaned.
func wholeNumber(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = currencyLeadRE.ReplaceAllString(s, "")
	locs := numberMatches(s)
	if len(locs) != 1 || strings.TrimSpace(s[:locs[0][0]]) != "" {
		return "", false
	}
	if !unitTailRE.MatchString(s[locs[0][1]:]) {
		return "", false
	}
	return cleanNumberToken(s[locs[0][0]:locs[0][1]]), true
}

// number is a parsed numeric answer. Percent remembers a "%" so that "50%"
// can equal both "50" and "0.5".
type number struct {
	value   float64
	percent bool
	// integer is set when the number was written as a whole number: two
	// such numbers are compared exactly, since a tolerance exists for
	// rounding and 1000001 is not 1000000.
	integer bool
}

// parseNumber reads s as one number (with currency, unit, percent, LaTeX
// fraction allowed around it).
func parseNumber(s string) (number, bool) {
	tok, ok := wholeNumber(numericPrep(s))
	if !ok {
		if tok, ok = wordNumberWhole(s, 0); !ok {
			return number{}, false
		}
	}
	return parseToken(tok)
}

// parseToken parses a cleaned token: "-1234.5", "3/4", "50%".
func parseToken(tok string) (number, bool) {
	var n number
	if t, ok := strings.CutSuffix(tok, "%"); ok {
		tok, n.percent = t, true
	}
	if num, den, ok := strings.Cut(tok, "/"); ok {
		a, err1 := strconv.ParseFloat(num, 64)
		b, err2 := strconv.ParseFloat(den, 64)
		if err1 != nil || err2 != nil || b == 0 {
			return number{}, false
		}
		n.value = a / b
	} else {
		v, err := strconv.ParseFloat(tok, 64)
		if err != nil {
			return number{}, false
		}
		n.value = v
		n.integer = !n.percent && !strings.ContainsAny(tok, ".eE")
	}
	if math.IsInf(n.value, 0) || math.IsNaN(n.value) {
		return number{}, false
	}
	return n, true
}

// relTol is the relative tolerance under which two numbers are equal.
const relTol = 1e-6

// closeTo reports whether a and b are equal within relTol.
func closeTo(a, b float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= relTol*math.Max(math.Abs(a), math.Abs(b))
}

// numbersEqual compares two parsed numbers: whole numbers exactly, others
// within relTol; a percent may be read as
// written ("50%" = 50) or as a fraction ("50%" = 0.5).
func numbersEqual(a, b number) bool {
	if a.integer && b.integer {
		return a.value == b.value
	}
	for _, x := range a.readings() {
		for _, y := range b.readings() {
			if closeTo(x, y) {
				return true
			}
		}
	}
	return false
}

func (n number) readings() []float64 {
	if n.percent {
		return []float64{n.value, n.value / 100}
	}
	return []float64{n.value}
}

// formatNumber is the canonical spelling of a value for vote keys: an
// integer in full, anything else to seven significant digits (the
// resolution of relTol).
func formatNumber(v float64) string {
	if v == 0 {
		return "0" // also -0
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 7, 64)
}
