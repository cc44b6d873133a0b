package answer

import (
	"math"
	"strconv"
	"strings"
)

// A small evaluator for LaTeX expressions, so that "0.5" equals
// "\frac12" and "2\sqrt{3}" equals "\sqrt{12}". Expressions with variables
// are compared by evaluating both at fixed points (polynomial identity
// testing), so "x^2-1" equals "(x-1)(x+1)".

// expr is a parsed expression, evaluated with values for its variables.
type expr func(vars map[byte]float64) float64

// mathFunc returns the function a LaTeX command names, if the evaluator
// knows it.
func mathFunc(cmd string) (func(float64) float64, bool) {
	switch cmd {
	case `\sin`:
		return math.Sin, true
	case `\cos`:
		return math.Cos, true
	case `\tan`:
		return math.Tan, true
	case `\cot`:
		return func(x float64) float64 { return 1 / math.Tan(x) }, true
	case `\sec`:
		return func(x float64) float64 { return 1 / math.Cos(x) }, true
	case `\csc`:
		return func(x float64) float64 { return 1 / math.Sin(x) }, true
	case `\arcsin`:
		return math.Asin, true
	case `\arccos`:
		return math.Acos, true
	case `\arctan`:
		return math.Atan, true
	case `\ln`:
		return math.Log, true
	case `\log`:
		return math.Log10, true
	case `\exp`:
		return math.Exp, true
	}
	return nil, false
}

// maxExprLen bounds what the evaluator reads: model answers are short, and
// a long input is not worth the recursion.
const maxExprLen = 512

// mathParser is a recursive-descent parser over LaTeX tokens.
type mathParser struct {
	toks []string
	pos  int
	vars map[byte]bool
}

// parseMath parses a cleaned LaTeX expression. It reports false for
// anything it does not fully understand (sets, intervals, \pm, \infty).
func parseMath(s string) (expr, map[byte]bool, bool) {
	if len(s) > maxExprLen {
		return nil, nil, false
	}
	toks, ok := mathTokens(s)
	if !ok || len(toks) == 0 {
		return nil, nil, false
	}
	p := &mathParser{toks: toks, vars: map[byte]bool{}}
	e, ok := p.sum()
	if !ok || p.pos != len(p.toks) {
		return nil, nil, false
	}
	return e, p.vars, true
}

// mathTokens splits s into numbers, commands, single letters and symbols.
func mathTokens(s string) ([]string, bool) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ':
			i++
		case c >= '0' && c <= '9' || c == '.':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		case c == '\\':
			j := i + 1
			for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
				j++
			}
			if j == i+1 {
				return nil, false // \{ \\ and the like: not arithmetic
			}
			toks = append(toks, s[i:j])
			i = j
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			toks = append(toks, s[i:i+1])
			i++
		case strings.IndexByte("+-*/^(){}[]", c) >= 0:
			toks = append(toks, s[i:i+1])
			i++
		default:
			return nil, false
		}
	}
	return toks, true
}

func (p *mathParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *mathParser) accept(t string) bool {
	if p.peek() == t {
		p.pos++
		return true
	}
	return false
}

// sum = product { (+|-) product }
func (p *mathParser) sum() (expr, bool) {
	left, ok := p.product()
	if !ok {
		return nil, false
	}
	for {
		switch {
		case p.accept("+"):
			right, ok := p.product()
			if !ok {
				return nil, false
			}
			l := left
			left = func(v map[byte]float64) float64 { return l(v) + right(v) }
		case p.accept("-"):
			right, ok := p.product()
			if !ok {
				return nil, false
			}
			l := left
			left = func(v map[byte]float64) float64 { return l(v) - right(v) }
		default:
			return left, true
		}
	}
}

// product = unary { (* | / | \cdot | \times | \div | juxtaposition) unary }
func (p *mathParser) product() (expr, bool) {
	left, ok := p.unary()
	if !ok {
		return nil, false
	}
	for {
		t := p.peek()
		var div bool
		switch {
		case t == "*" || t == `\cdot` || t == `\times`:
			p.pos++
		case t == "/" || t == `\div`:
			p.pos++
			div = true
		case p.startsPrimary(t):
		default:
			return left, true
		}
		right, ok := p.unary()
		if !ok {
			return nil, false
		}
		l := left
		if div {
			left = func(v map[byte]float64) float64 { return l(v) / right(v) }
		} else {
			left = func(v map[byte]float64) float64 { return l(v) * right(v) }
		}
	}
}

// startsPrimary reports whether t can begin an implicitly multiplied factor.
func (p *mathParser) startsPrimary(t string) bool {
	switch {
	case t == "" || t == ")" || t == "}" || t == "]":
		return false
	case t == "(" || t == "{":
		return true
	case t[0] >= '0' && t[0] <= '9' || t[0] == '.':
		return true
	case t[0] == '\\':
		_, fn := mathFunc(t)
		return fn || t == `\frac` || t == `\sqrt` || t == `\pi`
	default:
		return len(t) == 1 && (t[0] >= 'a' && t[0] <= 'z' || t[0] >= 'A' && t[0] <= 'Z')
	}
}

// unary = (-|+) unary | power
func (p *mathParser) unary() (expr, bool) {
	switch {
	case p.accept("-"):
		e, ok := p.unary()
		if !ok {
			return nil, false
		}
		return func(v map[byte]float64) float64 { return -e(v) }, true
	case p.accept("+"):
		return p.unary()
	}
	return p.power()
}

// power = primary [ ^ (group | unary) ]
func (p *mathParser) power() (expr, bool) {
	base, ok := p.primary()
	if !ok {
		return nil, false
	}
	if !p.accept("^") {
		return base, true
	}
	var exp expr
	if p.peek() == "{" {
		exp, ok = p.primary()
	} else {
		exp, ok = p.unary()
	}
	if !ok {
		return nil, false
	}
	return func(v map[byte]float64) float64 { return math.Pow(base(v), exp(v)) }, true
}

// group = { sum } | primary
func (p *mathParser) group() (expr, bool) {
	if p.peek() == "{" {
		return p.primary()
	}
	return p.power()
}

func (p *mathParser) primary() (expr, bool) {
	t := p.peek()
	if t == "" {
		return nil, false
	}
	p.pos++
	switch {
	case t == "(" || t == "{":
		closer := ")"
		if t == "{" {
			closer = "}"
		}
		e, ok := p.sum()
		if !ok || !p.accept(closer) {
			return nil, false
		}
		return e, true
	case t[0] >= '0' && t[0] <= '9' || t[0] == '.':
		x, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, false
		}
		return func(map[byte]float64) float64 { return x }, true
	case t == `\pi`:
		return func(map[byte]float64) float64 { return math.Pi }, true
	case t == `\frac`:
		num, ok := p.group()
		if !ok {
			return nil, false
		}
		den, ok := p.group()
		if !ok {
			return nil, false
		}
		return func(v map[byte]float64) float64 { return num(v) / den(v) }, true
	case t == `\sqrt`:
		var root expr
		if p.accept("[") {
			r, ok := p.sum()
			if !ok || !p.accept("]") {
				return nil, false
			}
			root = r
		}
		arg, ok := p.group()
		if !ok {
			return nil, false
		}
		if root == nil {
			return func(v map[byte]float64) float64 { return math.Sqrt(arg(v)) }, true
		}
		return func(v map[byte]float64) float64 { return math.Pow(arg(v), 1/root(v)) }, true
	case t[0] == '\\':
		f, ok := mathFunc(t)
		if !ok {
			return nil, false
		}
		arg, ok := p.power()
		if !ok {
			return nil, false
		}
		return func(v map[byte]float64) float64 { return f(arg(v)) }, true
	case len(t) == 1 && (t[0] >= 'a' && t[0] <= 'z' || t[0] >= 'A' && t[0] <= 'Z'):
		name := t[0]
		p.vars[name] = true
		return func(v map[byte]float64) float64 { return v[name] }, true
	}
	return nil, false
}

// evalPoints is how many assignments of the variables two expressions are
// compared at.
const evalPoints = 3

// pointValue is the value of variable c at evaluation point k: irrational
// offsets keep accidental agreement of different expressions unlikely.
func pointValue(c byte, k int) float64 {
	return 1.3 + 2*math.Mod(float64(c)*0.6180339887+float64(k)*0.7548776662, 1)
}

// exprsEqual compares two parsed expressions over the same variables.
func exprsEqual(a, b expr, va, vb map[byte]bool) bool {
	if len(va) != len(vb) {
		return false
	}
	for c := range va {
		if !vb[c] {
			return false
		}
	}
	compared := 0
	vals := make(map[byte]float64, len(va))
	for k := range evalPoints {
		for c := range va {
			vals[c] = pointValue(c, k)
		}
		x, y := a(vals), b(vals)
		xBad, yBad := math.IsNaN(x) || math.IsInf(x, 0), math.IsNaN(y) || math.IsInf(y, 0)
		switch {
		case xBad && yBad:
			continue
		case xBad || yBad || !closeTo(x, y):
			return false
		}
		compared++
		if len(va) == 0 {
			break // a constant needs one evaluation
		}
	}
	return compared > 0
}

// mathValue evaluates a variable-free expression.
func mathValue(s string) (float64, bool) {
	e, vars, ok := parseMath(s)
	if !ok || len(vars) > 0 {
		return 0, false
	}
	x := e(nil)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}
