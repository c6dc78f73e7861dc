package events

import (
	"strconv"
)

// The headers of a gateway dead letter. The event gateway produces each line it rejects to the
// event topic as a record whose value is empty and whose headers carry the line's bytes, the
// gateway's verdict and where the line came from; ingest stores such a record in the dead
// letters as the gateway judged it (see VerdictOf). The value is empty so that a consumer
// that ignores headers (an older ingest, any other reader of the topic) judges the record
// not_json, never an event: a line the gateway refused can never be accepted by a reader
// that does not know these headers.
const (
	HeaderReason    = "ntm.rejected.reason"     // the reason code (required)
	HeaderField     = "ntm.rejected.field"      // the field at fault, when one is
	HeaderMessage   = "ntm.rejected.message"    // the English message
	HeaderRaw       = "ntm.rejected.raw"        // the line's bytes, clipped to MaxEventSize
	HeaderEventID   = "ntm.rejected.event_id"   // the event_id, when it could be read
	HeaderEventType = "ntm.rejected.event_type" // the event_type, when it could be read
	HeaderOrigin    = "ntm.rejected.origin"     // the dead letter's source_file, GatewayOrigin
	HeaderLine      = "ntm.rejected.line"       // the line number in the request body, 1-based
)

// Header is one Kafka record header, in the form of franz-go's kgo.RecordHeader, so that
// events does not depend on a Kafka client.
type Header struct {
	Key   string
	Value []byte
}

// Verdict is a rejection decided before Kafka (at the event gateway), with the rejected
// input and its origin.
type Verdict struct {
	Rejection
	EventID, EventType string
	Raw                []byte
	Origin             string // GatewayOrigin of the request
	Line               int64  // 1-based line of the request body
}

// GatewayOrigin is the dead letters' source_file of a line sent to the event gateway by the
// token named name, bound to unit (empty for a token of no unit).
func GatewayOrigin(name, unit string) string {
	if unit == "" {
		return "gateway:" + name
	}
	return "gateway:" + name + "@" + unit
}

// Headers returns the record headers that carry v. Raw is clipped to MaxEventSize, so that the
// record fits the topic whatever the line's size; the message then says so.
func (v *Verdict) Headers() []Header {
	raw, msg := v.Raw, v.Message
	if len(raw) > MaxEventSize {
		msg += " (the dead letter keeps the first " + strconv.Itoa(MaxEventSize) + " of the line's " + strconv.Itoa(len(raw)) + " bytes)"
		raw = raw[:MaxEventSize]
	}
	hs := []Header{
		{HeaderReason, []byte(v.Reason)},
		{HeaderMessage, []byte(msg)},
		{HeaderRaw, raw},
		{HeaderOrigin, []byte(v.Origin)},
		{HeaderLine, strconv.AppendInt(nil, v.Line, 10)},
	}
	for _, h := range []Header{{HeaderField, []byte(v.Field)}, {HeaderEventID, []byte(v.EventID)}, {HeaderEventType, []byte(v.EventType)}} {
		if len(h.Value) > 0 {
			hs = append(hs, h)
		}
	}
	return hs
}

// VerdictOf reads a gateway verdict from a record's headers; ok is false when the record
// carries none (it has no HeaderReason), and it is then judged by its value as any other.
//
// A header can only make a record rejected, never accepted: whoever may produce to the topic
// may put any bytes in the dead letters, which they may do with any value too, but cannot
// get an event past the contract. A reason that is neither the contract's nor the gateway's
// (GatewayReasons) is stored as forbidden, so that the dead letters' reasons stay a closed set.
func VerdictOf(headers []Header) (v Verdict, ok bool) {
	for _, h := range headers {
		switch h.Key {
		case HeaderReason:
			v.Reason, ok = Reason(h.Value), true
		case HeaderField:
			v.Field = string(h.Value)
		case HeaderMessage:
			v.Message = string(h.Value)
		case HeaderRaw:
			v.Raw = h.Value
		case HeaderEventID:
			v.EventID = string(h.Value)
		case HeaderEventType:
			v.EventType = string(h.Value)
		case HeaderOrigin:
			v.Origin = string(h.Value)
		case HeaderLine:
			v.Line, _ = strconv.ParseInt(string(h.Value), 10, 64)
		}
	}
	if !ok {
		return Verdict{}, false
	}
	if !knownReason(v.Reason) {
		v.Message = "the record carries a gateway verdict of unknown reason " + strconv.Quote(string(v.Reason)) + ": " + v.Message
		v.Reason = Forbidden
	}
	if v.Message == "" {
		v.Message = "rejected by the event gateway (" + string(v.Reason) + ")"
	}
	if v.Raw == nil {
		v.Raw = []byte{}
	}
	return v, true
}

func knownReason(r Reason) bool {
	for _, k := range Reasons() {
		if r == k {
			return true
		}
	}
	for _, k := range GatewayReasons() {
		if r == k {
			return true
		}
	}
	return false
}
