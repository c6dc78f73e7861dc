package events

import "github.com/thanhhoa-ntm/ntm/events/internal/jsonx"

// PartitionKey returns the Kafka record key for one input line: the string value of the
// envelope's top-level "unit_code" when the line is one JSON object that has such a member,
// and nil otherwise (not JSON, not an object, no unit_code, or one that is not a string). The
// key keeps the events of one unit in one partition, in order. It reads the line with the same
// scanner as the decoder, so a line gets a key only if it is JSON the judge can read; a line
// without a key is still sent (the consumer judges it and keeps its bytes in the dead
// letters), only to a partition the client chooses. When the name repeats, the first member
// wins; Decode rejects such an event anyway.
//
// The key aliases line unless the value had escapes to decode.
func PartitionKey(line []byte) []byte {
	var key []byte
	found := false
	_, err := jsonx.ObjectDocument(line, func(name []byte, esc bool, val []byte) error {
		if found {
			return nil
		}
		if esc {
			name = jsonx.Unquote(nil, name)
		}
		if string(name) != "unit_code" {
			return nil
		}
		found = true
		if jsonx.KindOf(val) == '"' {
			inner := val[1 : len(val)-1]
			key = inner
			for _, c := range inner {
				if c == '\\' {
					key = jsonx.Unquote(make([]byte, 0, len(inner)), inner)
					break
				}
			}
		}
		return nil
	})
	if err != nil || len(key) == 0 {
		return nil
	}
	return key
}
