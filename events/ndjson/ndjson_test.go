package ndjson

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// line is one line a Reader returned, with its number.
type line struct {
	n    int
	text string
}

func readAll(t *testing.T, r io.Reader) []line {
	t.Helper()
	rd := NewReader(r)
	var got []line
	for {
		b, n, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return got
		}
		require.NoError(t, err)
		got = append(got, line{n, string(b)})
	}
}

func TestReader(t *testing.T) {
	const b = "\uFEFF"
	for _, tc := range []struct {
		name string
		in   string
		want []line
	}{
		{"empty", "", nil},
		{"lines and blank lines", "{}\n\n  \t\r\n[1]\r\n{\"a\":1}", []line{{1, "{}"}, {4, "[1]"}, {5, `{"a":1}`}}},
		// A byte order mark at the start of the stream is dropped, and the line numbers stay.
		{"BOM before the first line", b + "{}\n[1]\n", []line{{1, "{}"}, {2, "[1]"}}},
		{"BOM before a blank first line", b + "\n{}\n", []line{{2, "{}"}}},
		{"BOM alone", b, nil},
		// Only at the very start: elsewhere it is data, for the contract to judge.
		{"BOM on a later line", "{}\n" + b + "[1]\n", []line{{1, "{}"}, {2, b + "[1]"}}},
		{"BOM after white space", " " + b + "{}\n", []line{{1, " " + b + "{}"}}},
		{"two BOMs", b + b + "{}\n", []line{{1, b + "{}"}}},
		{"part of a BOM", "\xEF\xBB{}\n", []line{{1, "\xEF\xBB{}"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, readAll(t, strings.NewReader(tc.in)))
			// The same, when the source hands over one byte at a time (a pipe, a slow body).
			require.Equal(t, tc.want, readAll(t, iotest.OneByteReader(strings.NewReader(tc.in))))
		})
	}
}

func TestReaderLongLine(t *testing.T) {
	long := strings.Repeat("x", 3<<20)
	got := readAll(t, strings.NewReader("\uFEFF"+long+"\n{}\n"))
	require.Len(t, got, 2)
	require.Equal(t, long, got[0].text, "a line longer than the buffer is returned whole")
	require.Equal(t, line{2, "{}"}, got[1])
}

func TestReaderError(t *testing.T) {
	boom := errors.New("boom")
	rd := NewReader(io.MultiReader(strings.NewReader("{}\n"), iotest.ErrReader(boom)))
	b, n, err := rd.Next()
	require.NoError(t, err)
	require.Equal(t, "{}", string(b))
	require.Equal(t, 1, n)
	_, _, err = rd.Next()
	require.ErrorIs(t, err, boom)
	require.ErrorContains(t, err, "read line 2")
}
