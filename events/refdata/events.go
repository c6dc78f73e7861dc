package refdata

import (
	"time"

	"github.com/thanhhoa-ntm/ntm/events"
)

// System is the source system named in reference-data events: the GSO administrative-unit
// catalogue (Danh mục hành chính).
const System = "gso-dmhc"

// Events returns the reference data as contract events, in order: one admin_unit.registered per
// unit valid on 2022-01-01 (effective that day), then one admin_unit.merged per change of the
// hierarchy, effective on its date. Each event is sent by the province.
func Events() ([]events.Event, error) {
	units, err := Units2022()
	if err != nil {
		return nil, err
	}
	changes, err := Changes()
	if err != nil {
		return nil, err
	}
	out := make([]events.Event, 0, len(units)+len(changes))
	for _, u := range units {
		out = append(out, Registration(u, Start, "ref.unit."+u.Code))
	}
	for _, c := range changes {
		out = append(out, Merge(c))
	}
	return out, nil
}

// Merge returns the admin_unit.merged event of the change c, effective on its date.
func Merge(c Change) events.Event {
	at := localMidnight(c.Date)
	return events.Event{
		ID:         "ref.merge." + c.Date.String() + "." + c.IntoCode,
		Type:       events.AdminUnitMerged,
		OccurredAt: at,
		RecordedAt: at.Add(8 * time.Hour),
		Source:     events.Source{Level: "province", UnitCode: ProvinceCode, System: System},
		UnitCode:   c.IntoCode,
		Payload: events.AdminUnitMergedPayload{
			FromCodes: c.FromCodes, IntoCode: c.IntoCode, IntoName: c.IntoName,
			IntoKind: c.IntoKind, ParentCode: c.ParentCode,
		},
	}
}

// Registration returns the admin_unit.registered event of u, effective on the date from.
func Registration(u Unit, from events.Date, id string) events.Event {
	at := localMidnight(from)
	return events.Event{
		ID:         id,
		Type:       events.AdminUnitRegistered,
		OccurredAt: at,
		RecordedAt: at.Add(8 * time.Hour),
		Source:     events.Source{Level: "province", UnitCode: ProvinceCode, System: System},
		UnitCode:   u.Code,
		Payload: events.AdminUnitRegisteredPayload{
			Code: u.Code, Name: u.Name, Level: u.Level, Kind: u.Kind, ParentCode: u.ParentCode, Flags: u.Flags,
		},
	}
}

func localMidnight(d events.Date) time.Time {
	y, m, day := d.Civil()
	return time.Date(y, m, day, 0, 0, 0, 0, events.Local())
}
