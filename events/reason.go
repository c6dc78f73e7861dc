package events

import (
	"errors"
	"fmt"
)

// Reason is a machine-readable rejection reason of the contract.
type Reason string

// The contract's rejection reasons.
const (
	NotJSON                  Reason = "not_json"
	NotObject                Reason = "not_object"
	TooLarge                 Reason = "too_large"
	MissingField             Reason = "missing_field"
	BadType                  Reason = "bad_type"
	BadValue                 Reason = "bad_value"
	UnknownEventType         Reason = "unknown_event_type"
	UnsupportedSchemaVersion Reason = "unsupported_schema_version"
	// ConflictingDuplicate is decided at ingest, where earlier events are known (and by the
	// event gateway, with the same content hash, for what the warehouse holds): Decode never
	// returns it.
	ConflictingDuplicate Reason = "conflicting_duplicate"
	// Forbidden is decided at the event gateway, where the sender is known: the sending token
	// may not make the change the event makes (an administrative event from a reporter, a unit,
	// a correction target or an entity outside the token's scope). Decode never returns it, and
	// Reasons leaves it out: it is a verdict on a sender, never on a line of a stream (whatever
	// reaches Kafka as an event was sent by a trusted producer or let through by the gateway;
	// the lines the gateway refused reach ingest as its verdicts, see VerdictOf).
	Forbidden Reason = "forbidden"
	// ForbiddenUnit is decided at the event gateway: the event's unit_code is neither the
	// token's unit nor below it.
	ForbiddenUnit Reason = "forbidden_unit"
	// UnknownUnit is decided at the event gateway: the event's unit_code, outside the token's
	// scope, is no unit of the province that the gateway knows (not at the event's date, not
	// at any date of the reference data).
	UnknownUnit Reason = "unknown_unit"
)

// GatewayReasons returns the reasons only the event gateway decides (it knows the sender):
// they reach the dead letters through the gateway's verdict headers (VerdictOf).
func GatewayReasons() []Reason { return []Reason{Forbidden, ForbiddenUnit, UnknownUnit} }

// Reasons returns every reason code of the contract, in the order of EVENTS.md.
func Reasons() []Reason {
	return []Reason{NotJSON, NotObject, TooLarge, MissingField, BadType, BadValue,
		UnknownEventType, UnsupportedSchemaVersion, ConflictingDuplicate}
}

// Rejection is the error Decode returns for input the contract rejects. Check for it with
// errors.As.
type Rejection struct {
	Reason  Reason
	Field   string // the JSON path of the offending field ("payload.hours"), empty when none
	Message string // one sentence naming the field and the rule it breaks
}

func (r *Rejection) Error() string { return string(r.Reason) + ": " + r.Message }

func reject(reason Reason, field, format string, args ...any) *Rejection {
	return &Rejection{Reason: reason, Field: field, Message: fmt.Sprintf(format, args...)}
}

// RejectionOf is the rejection that an error of Decode stands for: the one verdict on a line for
// every caller (ntm validate's tally, ingest, the gateway). Decode returns only rejections; any
// other error would be a bug, and is judged bad_value so that the line still lands in the dead
// letters with its bytes instead of being lost or failing the caller.
func RejectionOf(err error) *Rejection {
	if err == nil {
		return nil
	}
	if rej, ok := errors.AsType[*Rejection](err); ok {
		return rej
	}
	return &Rejection{Reason: BadValue, Message: err.Error()}
}
