package refdata

import (
	"time"

	"github.com/thanhhoa-ntm/ntm/events"
)

// System is the source system named in reference-data events: the GSO administrative-unit
// catalogue (Danh mục hành chính).
const System = "gso-dmhc"

// Events returns the reference data as contract events, in order: one admin_unit.registered per
// unit valid on 2022-01-01 (effective that day); one admin_unit.merged per change of the
// hierarchy up to 2025-01-01, effective on its date; then the reorganization of 2025-07-01 as
// it was: an admin_unit.dissolved per district-level unit, an admin_unit.merged per new commune
// (under the province) and an admin_unit.split per commune divided between new units, after
// the merges that start its receiving units. Each event is sent by the province, and its id
// names what it does, so that the same data always gives the same ids.
func Events() ([]events.Event, error) {
	units, err := Units2022()
	if err != nil {
		return nil, err
	}
	changes, err := changesBefore()
	if err != nil {
		return nil, err
	}
	r, err := TwoLevel()
	if err != nil {
		return nil, err
	}
	out := make([]events.Event, 0, len(units)+len(changes)+len(r.Dissolved)+len(r.Merges)+len(r.Splits))
	for _, u := range units {
		out = append(out, Registration(u, Start, "ref.unit."+u.Code))
	}
	for _, c := range changes {
		out = append(out, Merge(c))
	}
	for _, code := range r.Dissolved {
		out = append(out, Dissolution(code, r.Date))
	}
	for _, c := range r.Merges {
		out = append(out, Merge(c))
	}
	for _, s := range r.Splits {
		out = append(out, SplitEvent(s))
	}
	return out, nil
}

// Dissolution returns the admin_unit.dissolved event of the unit code, effective on the date on.
func Dissolution(code string, on events.Date) events.Event {
	return reference("ref.dissolve."+on.String()+"."+code, code, on,
		events.AdminUnitDissolvedPayload{Code: code})
}

// SplitEvent returns the admin_unit.split event of s, effective on its date.
func SplitEvent(s Split) events.Event {
	return reference("ref.split."+s.Date.String()+"."+s.FromCode, s.FromCode, s.Date,
		events.AdminUnitSplitPayload{FromCode: s.FromCode, Into: s.Into})
}

// Merge returns the admin_unit.merged event of the change c, effective on its date.
func Merge(c Change) events.Event {
	return reference("ref.merge."+c.Date.String()+"."+c.IntoCode, c.IntoCode, c.Date,
		events.AdminUnitMergedPayload{
			FromCodes: c.FromCodes, IntoCode: c.IntoCode, IntoName: c.IntoName,
			IntoKind: c.IntoKind, ParentCode: c.ParentCode,
		})
}

// Registration returns the admin_unit.registered event of u, effective on the date from.
func Registration(u Unit, from events.Date, id string) events.Event {
	return reference(id, u.Code, from, events.AdminUnitRegisteredPayload{
		Code: u.Code, Name: u.Name, Level: u.Level, Kind: u.Kind, ParentCode: u.ParentCode, Flags: u.Flags,
	})
}

// reference is one event of the reference data: sent by the province's registry system, about
// unit, occurring at local midnight of the date it takes effect and recorded that morning.
func reference(id string, unit string, on events.Date, payload events.Payload) events.Event {
	at := localMidnight(on)
	return events.Event{
		ID:         id,
		Type:       payload.Type(),
		OccurredAt: at,
		RecordedAt: at.Add(8 * time.Hour),
		Source:     events.Source{Level: "province", UnitCode: ProvinceCode, System: System},
		UnitCode:   unit,
		Payload:    payload,
	}
}

func localMidnight(d events.Date) time.Time {
	y, m, day := d.Civil()
	return time.Date(y, m, day, 0, 0, 0, 0, events.Local())
}
