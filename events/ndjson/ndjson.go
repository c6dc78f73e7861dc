// Package ndjson reads event streams as NDJSON (one event per line) and tallies what a stream
// holds the way an ingest would judge it.
package ndjson

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Reader reads the lines of an NDJSON stream. A line holding only white space is skipped, as
// the contract says. Lines of any length are returned whole (an over-long line is still an
// event to reject with its bytes), but memory is held for one line at a time.
//
// A UTF-8 byte order mark at the very start of the stream is dropped: Windows editors (Notepad,
// Excel's "CSV UTF-8") write one, and a reporter's file must not lose its first event for it. A
// BOM anywhere else is part of its line and is judged there.
type Reader struct {
	r       *bufio.Reader
	line    []byte
	n       int
	started bool
}

// bom is the UTF-8 encoding of U+FEFF, the byte order mark.
var bom = []byte{0xEF, 0xBB, 0xBF}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 1<<20)}
}

// Next returns the next non-blank line without its line ending, and its 1-based line number.
// The line is valid until the next call. At the end of the stream it returns io.EOF.
func (r *Reader) Next() ([]byte, int, error) {
	if !r.started {
		// The check waits for the first bytes here rather than in NewReader, so that making a
		// Reader never blocks on its source. A short or failing read leaves the error to the
		// loop below.
		r.started = true
		if head, _ := r.r.Peek(len(bom)); bytes.Equal(head, bom) {
			_, _ = r.r.Discard(len(bom))
		}
	}
	for {
		r.line = r.line[:0]
		for {
			chunk, err := r.r.ReadSlice('\n')
			r.line = append(r.line, chunk...)
			if err == nil {
				break
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) {
				if len(r.line) == 0 {
					return nil, r.n, io.EOF
				}
				break
			}
			return nil, r.n, fmt.Errorf("read line %d: %w", r.n+1, err)
		}
		r.n++
		line := bytes.TrimRight(r.line, "\r\n")
		if len(bytes.TrimLeft(line, " \t\r\n")) == 0 {
			continue
		}
		return line, r.n, nil
	}
}
