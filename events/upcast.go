package events

// Schema versions. Every type of contract v1 is at version 1; the types contract v2 adds
// (admin_unit.dissolved, admin_unit.split) start at version 2 and have no version 1, so Decode
// refuses a version 1 of them as unsupported. No upcaster exists yet. When a type gains a new
// version, currentVersion returns it and upcasterFor(t, v) returns the function that rewrites a
// version v payload into v+1, so that everything downstream of Decode only ever sees current
// payloads while the raw event keeps what the source sent.

// upcaster rewrites a payload of one schema version into the next.
type upcaster func(payload []byte) ([]byte, error)

// currentVersion is the schema version Decode produces for type t.
func currentVersion(t Type) int { return currentVersions[t] }

// upcasterFor returns the upcaster from version v of type t to v+1, or nil when there is none.
func upcasterFor(Type, int) upcaster { return nil }

// upcast brings payload from version v up to the current version of t.
func upcast(t Type, v int, payload []byte) ([]byte, *Rejection) {
	for ; v < currentVersion(t); v++ {
		up := upcasterFor(t, v)
		if up == nil {
			return nil, reject(UnsupportedSchemaVersion, "schema_version", "no upcaster from schema_version %d of %s", v, t)
		}
		var err error
		if payload, err = up(payload); err != nil {
			return nil, reject(BadValue, "payload", "payload of %s version %d cannot be upcast: %v", t, v, err)
		}
	}
	return payload, nil
}
