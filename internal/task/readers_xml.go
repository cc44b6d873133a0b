package task

import (
	"bufio"
	"encoding/xml"
	"errors"
	"io"
	"iter"
)

// asdivProblem is one <Problem> of ASDiv.xml.
type asdivProblem struct {
	ID           string `xml:"ID,attr"`
	Grade        string `xml:"Grade,attr"`
	Body         string `xml:"Body"`
	Question     string `xml:"Question"`
	SolutionType string `xml:"Solution-Type"`
	Answer       string `xml:"Answer"`
	Formula      string `xml:"Formula"`
}

// readASDiv streams the <Problem> elements of ASDiv's XML file as records
// with the element names as fields ("ID", "Body", "Question", "Answer", ...).
func readASDiv(name string, r io.Reader) iter.Seq2[record, error] {
	return func(yield func(record, error) bool) {
		dec := xml.NewDecoder(bufio.NewReaderSize(r, 64<<10))
		index := 0
		for {
			line, _ := dec.InputPos()
			tok, err := dec.Token()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(record{}, &RecordError{File: name, Line: line, Err: err})
				return
			}
			start, ok := tok.(xml.StartElement)
			if !ok || start.Name.Local != "Problem" {
				continue
			}
			line, _ = dec.InputPos()
			var p asdivProblem
			if err := dec.DecodeElement(&p, &start); err != nil {
				yield(record{}, &RecordError{File: name, Line: line, Field: "Problem", Err: err})
				return
			}
			m := map[string]any{
				"ID": p.ID, "Grade": p.Grade, "Body": p.Body, "Question": p.Question,
				"Solution-Type": p.SolutionType, "Answer": p.Answer, "Formula": p.Formula,
			}
			if !yield(record{fields: m, pos: position{file: name, line: line, offset: -1}, index: index}, nil) {
				return
			}
			index++
		}
	}
}
