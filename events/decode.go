package events

import (
	"errors"
	"time"

	"github.com/thanhhoa-ntm/ntm/events/internal/jsonx"
)

// MaxEventSize is the largest event the contract accepts, in bytes; larger input is too_large.
const MaxEventSize = 1 << 20

// Source says who sent an event.
type Source struct {
	Level    string // province, district, commune or village
	UnitCode string
	System   string
	// Token names the gateway token the event was sent with; the gateway sets it (and the
	// level and unit) from the token, and it is empty for events produced to Kafka directly.
	Token string
}

// Event is one decoded, valid event of the contract. Its byte slices alias the input given to
// Decode: a caller that reuses that buffer must copy them first.
type Event struct {
	ID            string
	Type          Type
	SchemaVersion int
	OccurredAt    time.Time // in UTC; the original offset stays in Raw
	RecordedAt    time.Time // in UTC
	Source        Source
	UnitCode      string
	Corrects      string // empty when the event corrects nothing
	BusinessDate  Date   // the local date the event belongs to (see EVENTS.md)
	Payload       Payload
	// RawPayload is the payload object exactly as received, unknown members included.
	RawPayload []byte
	// Unknown names the payload members the contract does not define. They are kept in
	// RawPayload, never dropped.
	Unknown []string
	// Raw is the whole event as received, without surrounding white space.
	Raw []byte
}

// Decode decodes and validates one event. On invalid input it returns a *Rejection with exactly
// one reason code of the contract; it never returns ConflictingDuplicate, which needs the events
// seen before. The returned Event aliases data.
func Decode(data []byte) (Event, error) {
	var d decoder
	return d.decode(data)
}

// decoder holds scratch space that repeated decoding reuses.
type decoder struct {
	env, src, pay fields
}

// Decoder decodes many events, reusing its scratch space between calls. It is not safe for
// concurrent use; give each goroutine its own.
type Decoder struct{ d decoder }

// Decode is the package-level Decode with reused scratch space.
func (d *Decoder) Decode(data []byte) (Event, error) { return d.d.decode(data) }

func (d *decoder) decode(data []byte) (Event, error) {
	var e Event
	if len(data) > MaxEventSize {
		return e, reject(TooLarge, "", "the event is %d bytes, over the limit of %d bytes (1 MiB)", len(data), MaxEventSize)
	}
	f := &d.env
	f.path, f.err = "", nil
	doc, err := f.loadDocument(data)
	if err != nil {
		var deep *jsonx.DepthError
		if errors.As(err, &deep) {
			return e, reject(BadValue, clip(deep.Path), "%s is nested deeper than %d levels", clip(deep.Path), jsonx.MaxDepth)
		}
		// Not an object, or not JSON at all: the full parse tells which.
		if v, derr := jsonx.Document(data); derr == nil {
			return e, reject(NotObject, "", "the event must be a JSON object, got %s", jsonx.KindOf(v).Name())
		} else if errors.As(derr, &deep) {
			return e, reject(BadValue, clip(deep.Path), "%s is nested deeper than %d levels", clip(deep.Path), jsonx.MaxDepth)
		} else {
			err = derr
		}
		return e, reject(NotJSON, "", "the input is not valid JSON: %s", err)
	}
	if f.err != nil {
		return e, f.err
	}
	e.Raw = doc

	e.ID = f.eventID("event_id", true)
	typeRaw, _ := f.rawString("event_type", true)
	if f.err != nil {
		return e, f.err
	}
	t, ok := typeOf([]byte(typeRaw))
	if !ok {
		return e, reject(UnknownEventType, "event_type", "event_type %q is not a type of the contract", clip(typeRaw))
	}
	e.Type = t
	version := f.get("schema_version", true)
	if f.err != nil {
		return e, f.err
	}
	if !f.typed("schema_version", version, "an integer", jsonx.KindOf(version).IsNumber()) {
		return e, f.err
	}
	v, integral, inRange := jsonx.Int(version)
	if !integral {
		return e, reject(BadType, "schema_version", "schema_version must be an integer, got %s", clip(string(version)))
	}
	if !inRange || v < 1 || v > int64(currentVersion(t)) || (v < int64(currentVersion(t)) && upcasterFor(t, int(v)) == nil) {
		return e, reject(UnsupportedSchemaVersion, "schema_version", "schema_version %s is not supported for %s (supported: %d)", clip(string(version)), t, currentVersion(t))
	}
	e.SchemaVersion = int(v)
	e.OccurredAt = f.timestamp("occurred_at")
	e.RecordedAt = f.timestamp("recorded_at")
	srcRaw := f.object("source")
	e.UnitCode = f.unitCode("unit_code", true)
	payload := f.object("payload")
	e.Corrects = f.eventID("corrects", false)
	if f.err != nil {
		return e, f.err
	}

	s := &d.src
	s.path, s.err = "source.", nil
	s.load(srcRaw)
	e.Source.Level = s.enum("level", enumLevels)
	e.Source.UnitCode = s.unitCode("unit_code", true)
	e.Source.System = s.ident("system")
	if tok, ok := s.rawString("token", false); ok {
		s.checkIdent("token", tok)
		e.Source.Token = tok
	}
	if s.err != nil {
		return e, s.err
	}

	payload, rej := upcast(t, e.SchemaVersion, payload)
	if rej != nil {
		return e, rej
	}
	e.RawPayload = payload
	p := &d.pay
	p.path, p.err = "payload.", nil
	p.load(payload)
	e.Payload = decodePayload(t, p)
	if p.err != nil {
		return e, p.err
	}
	e.Unknown = p.unknown()
	if bd, ok := e.Payload.(businessDater); ok {
		e.BusinessDate = bd.businessDate()
	} else {
		e.BusinessDate = DateOf(e.OccurredAt)
	}
	return e, nil
}

// validIndicator reports whether indicator is the criterion, a dot, and at least one more
// character ("8.4" for criterion "8").
func validIndicator(criterion, indicator string) bool {
	return len(indicator) > len(criterion)+1 && len(indicator) <= 64 &&
		indicator[:len(criterion)] == criterion && indicator[len(criterion)] == '.'
}
