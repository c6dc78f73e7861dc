package events

import (
	"strconv"
	"time"

	"github.com/thanhhoa-ntm/ntm/events/internal/jsonx"
)

// AppendJSON appends e as one contract JSON object (no trailing newline) to dst. Timestamps
// are written in their own location's offset ("Z" for UTC); the payload's unknown members named
// in e.Unknown are copied from e.RawPayload, so decoding and encoding keep them. Unknown members
// inside the objects of a list (an admin_unit.split's into) are kept in RawPayload only.
func AppendJSON(dst []byte, e *Event) []byte {
	w := objWriter{b: append(dst, '{')}
	w.str("event_id", e.ID)
	w.str("event_type", e.Type.String())
	version := e.SchemaVersion
	if version == 0 {
		version = currentVersion(e.Type)
	}
	w.int("schema_version", int64(version))
	w.time("occurred_at", e.OccurredAt)
	w.time("recorded_at", e.RecordedAt)
	w.key("source")
	src := objWriter{b: append(w.b, '{')}
	src.str("level", e.Source.Level)
	src.str("unit_code", e.Source.UnitCode)
	src.str("system", e.Source.System)
	if e.Source.Token != "" {
		src.str("token", e.Source.Token)
	}
	w.b = append(src.b, '}')
	w.str("unit_code", e.UnitCode)
	if e.Corrects != "" {
		w.str("corrects", e.Corrects)
	}
	w.key("payload")
	p := objWriter{b: append(w.b, '{')}
	appendPayload(&p, e.Payload)
	if len(e.Unknown) > 0 && len(e.RawPayload) > 0 {
		var f fields
		f.load(e.RawPayload)
		for _, name := range e.Unknown {
			for _, m := range f.members {
				if string(m.key) == name {
					p.key(name)
					p.b = append(p.b, m.val...)
				}
			}
		}
	}
	w.b = append(p.b, '}')
	return append(w.b, '}')
}

// objWriter appends the members of one JSON object; the caller writes the braces.
type objWriter struct {
	b []byte
	n int
}

func (w *objWriter) key(k string) {
	if w.n > 0 {
		w.b = append(w.b, ',')
	}
	w.n++
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *objWriter) null(k string) {
	w.key(k)
	w.b = append(w.b, "null"...)
}

func (w *objWriter) str(k, v string) {
	w.key(k)
	w.b = jsonx.AppendQuotedString(w.b, v)
}

func (w *objWriter) strs(k string, vs []string) {
	w.key(k)
	w.b = append(w.b, '[')
	for i, v := range vs {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = jsonx.AppendQuotedString(w.b, v)
	}
	w.b = append(w.b, ']')
}

// objects writes an array of n objects; members writes the members of the object i.
func (w *objWriter) objects(k string, n int, members func(w *objWriter, i int)) {
	w.key(k)
	w.b = append(w.b, '[')
	for i := range n {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		o := objWriter{b: append(w.b, '{')}
		members(&o, i)
		w.b = append(o.b, '}')
	}
	w.b = append(w.b, ']')
}

func (w *objWriter) int(k string, v int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
}

func (w *objWriter) float(k string, v float64) {
	w.key(k)
	w.b = strconv.AppendFloat(w.b, v, 'f', -1, 64)
}

func (w *objWriter) bool(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}

func (w *objWriter) date(k string, d Date) {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = d.AppendFormat(w.b)
	w.b = append(w.b, '"')
}

func (w *objWriter) time(k string, t time.Time) {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = appendTimestamp(w.b, t)
	w.b = append(w.b, '"')
}
