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
type Reader struct {
	r    *bufio.Reader
	line []byte
	n    int
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 1<<20)}
}

// Next returns the next non-blank line without its line ending, and its 1-based line number.
// The line is valid until the next call. At the end of the stream it returns io.EOF.
func (r *Reader) Next() ([]byte, int, error) {
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
