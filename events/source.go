package events

import (
	"errors"

	"github.com/thanhhoa-ntm/ntm/events/internal/jsonx"
)

// LevelOf is the level of a unit code by its shape: 38 the province, three digits a district,
// five a commune, ddddd-ddd a village; "" for anything else.
func LevelOf(code string) string {
	if !ValidUnitCode(code) {
		return ""
	}
	switch {
	case code == "38":
		return "province"
	case len(code) == 3:
		return "district"
	case len(code) == 5:
		return "commune"
	}
	return "village"
}

// WithSource returns the event raw (one valid event, as Decode accepted it) with its source
// member replaced by src, every other byte as it was: the gateway states who sent an event
// instead of trusting the body. The system is kept from raw when src has none.
func WithSource(raw []byte, src Source) ([]byte, error) {
	start, end := -1, -1
	err := jsonx.MembersValidated(raw, func(key []byte, esc bool, val []byte) error {
		if esc {
			key = jsonx.Unquote(nil, key)
		}
		if string(key) == "source" {
			// val is a subslice of raw: its offset is what its capacity lacks of raw's.
			start = cap(raw) - cap(val)
			end = start + len(val)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if start < 0 {
		return nil, errors.New("events: the event has no source")
	}
	if src.System == "" {
		var f fields
		f.load(raw[start:end])
		src.System, _ = f.rawString("system", true)
	}
	w := objWriter{b: append(make([]byte, 0, len(raw)+64), raw[:start]...)}
	w.b = append(w.b, '{')
	w.str("level", src.Level)
	w.str("unit_code", src.UnitCode)
	w.str("system", src.System)
	if src.Token != "" {
		w.str("token", src.Token)
	}
	w.b = append(w.b, '}')
	return append(w.b, raw[end:]...), nil
}
