package generate

import (
	"bytes"
	"strings"

	"github.com/thanhhoa-ntm/ntm/events"
)

// badReasons are the reasons Decode gives, in the order bad lines take turns.
var badReasons = []events.Reason{
	events.NotJSON, events.NotObject, events.TooLarge, events.MissingField, events.BadType,
	events.BadValue, events.UnknownEventType, events.UnsupportedSchemaVersion,
}

// bad writes one invalid line derived from the valid event raw, for the next reason in turn.
// Every variant breaks exactly one rule, so the line is rejected with that reason.
func (g *gen) bad(raw []byte) {
	reason := badReasons[g.badTurn%len(badReasons)]
	g.badTurn++
	if reason == events.TooLarge && g.tooLarge > 0 && g.tooLarge*tooLargePerLine > g.lines {
		reason = events.BadValue
	}
	line := g.badLine(reason, raw)
	if line == nil {
		return
	}
	g.write(line)
	g.rejected[reason]++
}

// replaceOnce replaces the first occurrence of old in raw, or returns nil when it is absent.
func replaceOnce(raw []byte, old, repl string) []byte {
	i := bytes.Index(raw, []byte(old))
	if i < 0 {
		return nil
	}
	out := make([]byte, 0, len(raw)+len(repl))
	out = append(out, raw[:i]...)
	out = append(out, repl...)
	return append(out, raw[i+len(old):]...)
}

func (g *gen) badLine(reason events.Reason, raw []byte) []byte {
	switch reason {
	case events.NotJSON:
		switch g.intn(4) {
		case 0: // a line cut short, as a crashed exporter leaves it
			return append([]byte(nil), raw[:len(raw)/2]...)
		case 1: // invalid UTF-8 inside a string
			return replaceOnce(raw, `"system":"`, "\"system\":\"\xff\xfe")
		case 2: // a NUL byte
			return replaceOnce(raw, `"event_id":"`, "\"event_id\":\"\x00")
		default: // a spreadsheet export with single quotes
			return bytes.ReplaceAll(raw, []byte(`"`), []byte(`'`))
		}
	case events.NotObject:
		switch g.intn(3) {
		case 0:
			return append(append([]byte("["), raw...), ']')
		case 1:
			return []byte(`"` + strings.Repeat("x", 1+g.intn(40)) + `"`)
		default:
			return []byte("null")
		}
	case events.TooLarge:
		g.tooLarge++
		pad := strings.Repeat("a", events.MaxEventSize)
		return replaceOnce(raw, `"payload":{`, `"payload":{"attachment":"`+pad+`",`)
	case events.MissingField:
		for _, field := range []string{`"occurred_at":"`, `"recorded_at":"`, `"event_id":"`}[g.intn(3):] {
			if line := dropMember(raw, field); line != nil {
				return line
			}
		}
	case events.BadType:
		if g.chance(0.5) {
			return replaceOnce(raw, `"schema_version":1`, `"schema_version":"1"`)
		}
		return replaceOnce(raw, `"source":{`, `"source":"`+strings.Repeat("x", 5)+`","x":{`)
	case events.BadValue:
		switch g.intn(3) {
		case 0: // a lower-case t, which RFC 3339 allows but the contract does not
			i := bytes.Index(raw, []byte(`"occurred_at":"`))
			if i < 0 {
				return nil
			}
			out := append([]byte(nil), raw...)
			out[i+len(`"occurred_at":"`)+10] = 't'
			return out
		case 1:
			return replaceOnce(raw, `"level":"`, `"level":"hamlet`)
		default:
			return replaceOnce(raw, `},"unit_code":"`, `},"unit_code":"x`)
		}
	case events.UnknownEventType:
		return replaceOnce(raw, `"event_type":"`, `"event_type":"legacy.`)
	case events.UnsupportedSchemaVersion:
		if g.chance(0.5) {
			return replaceOnce(raw, `"schema_version":1`, `"schema_version":2`)
		}
		return replaceOnce(raw, `"schema_version":1`, `"schema_version":0`)
	}
	return nil
}

// dropMember removes the string member that starts with prefix (`"name":"`).
func dropMember(raw []byte, prefix string) []byte {
	i := bytes.Index(raw, []byte(prefix))
	if i < 0 {
		return nil
	}
	j := bytes.IndexByte(raw[i+len(prefix):], '"')
	if j < 0 {
		return nil
	}
	end := i + len(prefix) + j + 1
	if raw[end] == ',' {
		end++
	}
	out := append([]byte(nil), raw[:i]...)
	return append(out, raw[end:]...)
}
