package events

// Type is an event type of the contract (v1, and the types contract v2 adds). The zero value
// is not a type.
type Type uint8

// String returns the contract's name of the type, e.g. "dossier.completed".
func (t Type) String() string {
	if t == 0 || int(t) > numTypes {
		return "unknown"
	}
	return typeNames[t]
}

// ViewName is the type's name with '.' replaced by '_', as the warehouse's views are named.
func (t Type) ViewName() string {
	b := []byte(t.String())
	for i, c := range b {
		if c == '.' {
			b[i] = '_'
		}
	}
	return string(b)
}

// Valid reports whether t is one of the contract's types.
func (t Type) Valid() bool { return t >= AdminUnitRegistered && int(t) <= numTypes }

// Types returns every type of the contract in order.
func Types() []Type {
	ts := make([]Type, 0, numTypes)
	for t := AdminUnitRegistered; int(t) <= numTypes; t++ {
		ts = append(ts, t)
	}
	return ts
}

// ParseType returns the type named s.
func ParseType(s string) (Type, bool) {
	return typeOf([]byte(s))
}

func typeOf(b []byte) (Type, bool) {
	for t := AdminUnitRegistered; int(t) <= numTypes; t++ {
		if typeNames[t] == string(b) {
			return t, true
		}
	}
	return 0, false
}
