package answer

import (
	"regexp"
	"strconv"
	"strings"
)

// Numbers written in words ("twelve", "three and a half", "two hundred
// and five") and with Unicode vulgar fractions ("3½").

// wordValues are the number words below one hundred.
var wordValues = map[string]int64{
	"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
	"fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
	"nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
	"seventy": 70, "eighty": 80, "ninety": 90,
}

// wordScales are the multiplying number words.
var wordScales = map[string]int64{"hundred": 100, "thousand": 1000, "million": 1000000, "billion": 1000000000}

// wordFractions are the fractional tails "and a half" and relatives, by
// the words after "and".
var wordFractions = map[string]string{
	"a half": "1/2", "one half": "1/2", "a quarter": "1/4", "one quarter": "1/4",
	"three quarters": "3/4", "a third": "1/3", "one third": "1/3", "two thirds": "2/3",
}

// wordTokenRE splits a text into lower-case words at spaces and hyphens.
var wordTokenRE = regexp.MustCompile(`[a-z]+`)

// readWordNumber reads the number words that open words and returns the
// number as a cleaned token ("12", "3.5", "7/2"), and how many words it
// took. A lone "a" or "and" is no number.
func readWordNumber(words []string) (string, int, bool) {
	var total, group int64
	n, seen := 0, false
	for n < len(words) {
		w := words[n]
		if v, ok := wordValues[w]; ok && fits(group, v) {
			group += v
			seen = true
			n++
			continue
		}
		if s, ok := wordScales[w]; ok && seen {
			if s == 100 {
				group *= s
			} else {
				total += group * s
				group = 0
			}
			n++
			continue
		}
		if w == "and" && seen && n+1 < len(words) {
			if _, ok := wordValues[words[n+1]]; ok {
				n++
				continue
			}
		}
		break
	}
	if !seen {
		return "", 0, false
	}
	whole := total + group
	if n+2 < len(words) && words[n] == "and" {
		if f, ok := wordFractions[words[n+1]+" "+words[n+2]]; ok {
			num, den, _ := strings.Cut(f, "/")
			a, _ := strconv.ParseInt(num, 10, 64)
			b, _ := strconv.ParseInt(den, 10, 64)
			return strconv.FormatInt(whole*b+a, 10) + "/" + den, n + 3, true
		}
	}
	return strconv.FormatInt(whole, 10), n, true
}

// fits reports whether the number word of value v may follow a group
// read so far: "twenty five" and "one hundred five" but not "one two".
func fits(group, v int64) bool {
	rest := group % 100
	switch {
	case v >= 10:
		return rest == 0
	case v == 0:
		return group == 0
	default:
		return rest == 0 || rest >= 20 && rest%10 == 0
	}
}

// wordsOf returns the lower-case words of s.
func wordsOf(s string) []string { return wordTokenRE.FindAllString(strings.ToLower(s), -1) }

// wordNumberWhole reads s when it is a number in words, perhaps with a
// unit of up to maxTail words after it ("twelve", "three and a half
// hours").
func wordNumberWhole(s string, maxTail int) (string, bool) {
	s = cleanFragment(s)
	if s == "" || strings.ContainsAny(s, "0123456789") || !onlyLettersAndSpaces(s) {
		return "", false
	}
	words := wordsOf(s)
	tok, n, ok := readWordNumber(words)
	if !ok || len(words)-n > maxTail {
		return "", false
	}
	return tok, true
}

// wordNumberLead reads a number in words that opens s (the fragment after
// an answer phrase) when s holds no digits: "twelve apples in all".
// "one of them" is no number.
func wordNumberLead(s string) (string, bool) {
	if strings.ContainsAny(s, "0123456789") {
		return "", false
	}
	s = strings.TrimLeft(cleanFragment(s), " ($")
	words := wordsOf(s)
	if len(words) == 0 || !strings.HasPrefix(strings.ToLower(s), words[0]) {
		return "", false
	}
	tok, n, ok := readWordNumber(words)
	if !ok || n < len(words) && (words[n] == "of" || words[n] == "more" || words[n] == "less" || words[n] == "by") {
		return "", false
	}
	return tok, true
}

// onlyLettersAndSpaces reports whether s is words: letters, spaces,
// hyphens and a final period.
func onlyLettersAndSpaces(s string) bool {
	for _, r := range strings.TrimSuffix(s, ".") {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == ' ' || r == '-') {
			return false
		}
	}
	return true
}

// vulgarFractions are the Unicode fraction characters and their values.
var vulgarFractions = map[rune][2]int{
	'½': {1, 2}, '⅓': {1, 3}, '⅔': {2, 3}, '¼': {1, 4}, '¾': {3, 4}, '⅕': {1, 5}, '⅖': {2, 5},
	'⅗': {3, 5}, '⅘': {4, 5}, '⅙': {1, 6}, '⅚': {5, 6}, '⅛': {1, 8}, '⅜': {3, 8}, '⅝': {5, 8}, '⅞': {7, 8},
}

// vulgarRE is a whole number (optional) followed by a vulgar fraction.
var vulgarRE = regexp.MustCompile(`(\d*)\s*([½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞])`)

// replaceVulgar rewrites "3½" as "7/2" and "¾" as "3/4".
func replaceVulgar(s string) string {
	return vulgarRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := vulgarRE.FindStringSubmatch(m)
		var f [2]int
		for _, r := range sub[2] {
			f = vulgarFractions[r]
		}
		whole := 0
		if sub[1] != "" {
			w, err := strconv.Atoi(sub[1])
			if err != nil {
				return m
			}
			whole = w
		}
		return " " + strconv.Itoa(whole*f[1]+f[0]) + "/" + strconv.Itoa(f[1])
	})
}
