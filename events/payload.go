package events

// The payload structs, the event types and the payload decoder and encoder are generated from
// the field table in events/schema.
//go:generate go run ./schema/gen -root ..

// Payload is the typed payload of one event type. Its concrete type is one of the structs of
// zz_schema.go, named after the event type; Type reports which.
type Payload interface {
	Type() Type
}

// businessDater is implemented by the payloads that name their own business date.
type businessDater interface {
	businessDate() Date
}
