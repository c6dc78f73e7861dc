package events

// Schema versions. Contract v1 is the first: every type is at version 1 and no upcaster exists
// yet. When a type gains version 2, currentVersion returns 2 for it and upcasterFor(t, 1) returns
// the function that rewrites a v1 payload into v2, so that everything downstream of Decode only
// ever sees current payloads while the raw event keeps what the source sent.

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
