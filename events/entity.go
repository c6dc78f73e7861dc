package events

// Entity is an entity a payload names: a cooperative, a model, a manager, a survey, ... Its id
// is the reporter's; the unit that registered it first owns it (see the gateway).
type Entity struct {
	Field     string // the payload member holding the id
	Kind      string // the kind of entity, from the field table: "cooperative", "survey", ...
	ID        string
	Registers bool // the event registers the entity (rather than acting on a registered one)
}

// EntityKind says where the registrations of an entity kind are stored.
type EntityKind struct {
	Registrar Type   // the type whose events register it
	Column    string // the events_log column of its id
}

// EntityOf returns the entity the payload names, when its type names one.
func EntityOf(p Payload) (Entity, bool) { return payloadEntity(p) }

// EntityKindOf returns where the registrations of an entity kind are stored.
func EntityKindOf(kind string) (EntityKind, bool) {
	k, ok := entityKinds[kind]
	return k, ok
}

// UnitCodes calls fn with each unit code the payload names besides the envelope's unit_code
// (a registered unit's code and parent, merged units, ...), with the payload member holding it.
func UnitCodes(p Payload, fn func(field, code string)) { payloadUnitCodes(p, fn) }
