package refdata

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/thanhhoa-ntm/ntm/events"
)

// resolution is the legal basis of the 2025-07-01 reorganization, named in every change's note.
const resolution = "NQ 1686/NQ-UBTVQH15"

// Reorganization is Thanh Hóa's change to two-level local government on Date (NQ 1686): the
// district level abolished, and the 547 communes rearranged into 166, ten of them split.
type Reorganization struct {
	Date events.Date
	// Dissolved are the district-level units abolished, in code order.
	Dissolved []string
	// Merges start the new communes, one each in code order: FromCodes are the old communes that
	// went into it whole (a commune that was not rearranged merges into itself), and the parent
	// is the province.
	Merges []Change
	// Splits are the communes divided between new units, in code order.
	Splits []Split
	// rows are the mapping's rows, kept for the v1 projection.
	rows []mapping
}

// Split is one unit divided between several on Date: FromCode ends the day before and each
// part of Into starts on it, or continues when a merge of the same date starts it.
type Split struct {
	Date     events.Date
	FromCode string
	Into     []events.SplitPart
	Note     string
}

// mapping is one row of commune_mergers_2025.csv: an old commune and one unit it went into.
type mapping struct {
	oldCode, newCode, newName, newKind string
}

// TwoLevel returns the reorganization of 2025-07-01 from commune_mergers_2025.csv and the
// district-level units of units_2025-01.csv. The resolution gives no shares of a split
// commune's area or population, so each of its parts takes an equal share (data/SOURCES.md).
func TwoLevel() (Reorganization, error) {
	r := Reorganization{Date: Reorganization2025}
	raw, err := readCSV("data/commune_mergers_2025.csv", []string{"old_code", "old_name", "new_code", "new_name", "new_kind", "effective_from"})
	if err != nil {
		return r, err
	}
	partsOf := map[string][]string{} // old code → the new codes it went into, in file order
	type newUnit struct{ name, kind string }
	units := map[string]newUnit{}
	for i, row := range raw {
		m := mapping{oldCode: row[0], newCode: row[2], newName: row[3], newKind: row[4]}
		if row[5] != Reorganization2025.String() {
			return r, fmt.Errorf("commune_mergers_2025.csv row %d: effective_from %s, want %s", i+2, row[5], Reorganization2025)
		}
		if slices.Contains(partsOf[m.oldCode], m.newCode) {
			return r, fmt.Errorf("commune_mergers_2025.csv row %d: %s → %s is listed twice", i+2, m.oldCode, m.newCode)
		}
		if u, ok := units[m.newCode]; ok && u != (newUnit{m.newName, m.newKind}) {
			return r, fmt.Errorf("commune_mergers_2025.csv row %d: unit %s is %s %s here and %s %s above", i+2, m.newCode, m.newKind, m.newName, u.kind, u.name)
		}
		units[m.newCode] = newUnit{m.newName, m.newKind}
		partsOf[m.oldCode] = append(partsOf[m.oldCode], m.newCode)
		r.rows = append(r.rows, m)
	}

	u25, err := Units2025()
	if err != nil {
		return r, err
	}
	for _, u := range u25 {
		if u.Level == "district" {
			r.Dissolved = append(r.Dissolved, u.Code)
		}
	}
	slices.Sort(r.Dissolved)

	for _, code := range slices.Sorted(maps.Keys(units)) {
		c := Change{Date: r.Date, IntoCode: code, IntoName: units[code].name, IntoKind: units[code].kind, ParentCode: ProvinceCode, Note: resolution}
		for _, m := range r.rows {
			if m.newCode == code && len(partsOf[m.oldCode]) == 1 {
				c.FromCodes = append(c.FromCodes, m.oldCode)
			}
		}
		if len(c.FromCodes) == 0 {
			// A unit formed from parts only would be started by its splits alone; the
			// resolution forms none, and a merge needs at least one whole unit.
			return r, fmt.Errorf("commune_mergers_2025.csv: unit %s takes no whole commune", code)
		}
		r.Merges = append(r.Merges, c)
	}

	for _, old := range slices.Sorted(maps.Keys(partsOf)) {
		into := partsOf[old]
		if len(into) < 2 {
			continue
		}
		s := Split{Date: r.Date, FromCode: old, Note: resolution + "; equal shares: the resolution gives no area or population of the parts"}
		for _, code := range into {
			s.Into = append(s.Into, events.SplitPart{Code: code, Name: units[code].name, Kind: units[code].kind,
				ParentCode: ProvinceCode, Share: 1 / float64(len(into))})
		}
		r.Splits = append(r.Splits, s)
	}
	return r, nil
}

// V1 projects the reorganization onto contract v1, which has neither dissolutions nor splits:
// one merge per new commune, in code order, of the old communes that went into it, a split
// commune going whole into the receiving unit that keeps its code, else into its first; and
// each new commune under the district of the old commune whose code it reuses. It is the view
// the gateway's scopes were built on (see Changes); the stream generator sent it until it
// followed contract v2.
func (r Reorganization) V1() ([]Change, error) {
	u25, err := Units2025()
	if err != nil {
		return nil, err
	}
	parentOf := map[string]string{}
	for _, u := range u25 {
		parentOf[u.Code] = u.ParentCode
	}
	partsOf := map[string][]string{}
	for _, m := range r.rows {
		partsOf[m.oldCode] = append(partsOf[m.oldCode], m.newCode)
	}
	receiver := func(old string) string {
		if parts := partsOf[old]; !slices.Contains(parts, old) {
			return parts[0]
		}
		return old
	}
	out := make([]Change, 0, len(r.Merges))
	for _, m := range r.Merges {
		parent, ok := parentOf[m.IntoCode]
		if !ok {
			return nil, fmt.Errorf("unit %s of %s reuses no code of units_2025-01.csv", m.IntoCode, r.Date)
		}
		c := Change{Date: m.Date, IntoCode: m.IntoCode, IntoName: m.IntoName, IntoKind: m.IntoKind, ParentCode: parent, Note: resolution}
		var split []string
		for _, row := range r.rows {
			if row.newCode == m.IntoCode && receiver(row.oldCode) == m.IntoCode {
				c.FromCodes = append(c.FromCodes, row.oldCode)
			}
			if row.newCode == m.IntoCode && len(partsOf[row.oldCode]) > 1 {
				split = append(split, row.oldCode)
			}
		}
		if len(split) > 0 {
			c.Note += "; split communes (" + strings.Join(split, " ") + ") are listed under one receiving unit only: contract v1 has no splits"
		}
		out = append(out, c)
	}
	return out, nil
}
