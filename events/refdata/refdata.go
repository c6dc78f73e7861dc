// Package refdata holds Thanh Hóa's real administrative units and their changes from 2022 to
// the reorganization of 2025-07-01, copied into the project so that nothing reads ../shared at
// run time or in tests, and exposes them as contract events: admin_unit.registered,
// admin_unit.merged, and, for the reorganization, admin_unit.dissolved and admin_unit.split of
// contract v2.
//
// data/SOURCES.md says where each file under data/ comes from and what was assumed:
//   - units_2025-01.csv: the units valid 2025-01-01 … 2025-06-30, copied unchanged;
//   - commune_mergers_2025.csv: each of those communes → its unit(s) from 2025-07-01 (NQ 1686),
//     copied unchanged; a commune with several rows was split between them;
//   - units_2022-01.csv: the list valid from 2022-01-01, rebuilt from the 2025 list and the
//     changes the shared SOURCES.md documents (27 district-level units, 559 communes);
//   - changes.csv: every change from 2022 to 2025-01-01 as a merge (from_codes → into_code). A
//     kind change or rename is a merge of a unit into itself. Two receiving units of 2025-01-01
//     are not in the sources and are assumed (the note says so).
package refdata

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/thanhhoa-ntm/ntm/events"
)

//go:embed data/*.csv data/*.geojson
var files embed.FS

// ProvinceCode is Thanh Hóa's GSO code.
const ProvinceCode = "38"

// Unit is one administrative unit.
type Unit struct {
	Code       string
	Name       string
	Level      string // province, district, commune or village
	Kind       string
	ParentCode string // empty for the province
	Flags      []string
}

// Change is one dated change of the hierarchy: FromCodes end the day before Date and IntoCode
// starts on it (continuing when it is one of FromCodes).
type Change struct {
	Date       events.Date
	FromCodes  []string
	IntoCode   string
	IntoName   string
	IntoKind   string
	ParentCode string
	Note       string
}

// Dates of the reorganizations in the data.
var (
	// Start is the first day of the data: the plan's period starts in 2022.
	Start = events.NewDate(2022, 1, 1)
	// Reorganization2025 is the day Vietnam abolished the district level and merged communes.
	Reorganization2025 = events.NewDate(2025, 7, 1)
)

// district flags, from the province's classification: mountainous districts (11) and the
// poor districts of programme 30a (7). Communes of a mountainous district are flagged
// mountainous too; commune-level hardship lists are not in the sources.
var (
	mountainous = map[string]bool{"384": true, "385": true, "386": true, "387": true, "388": true, "389": true, "390": true, "391": true, "396": true, "402": true, "403": true}
	poor        = map[string]bool{"384": true, "385": true, "386": true, "387": true, "388": true, "396": true, "402": true}
	coastal     = map[string]bool{"382": true, "399": true, "400": true, "401": true, "406": true, "407": true}
)

// Mountainous reports whether the district-level unit is in the mountains.
func Mountainous(district string) bool { return mountainous[district] }

// Coastal reports whether the district-level unit is on the coast.
func Coastal(district string) bool { return coastal[district] }

func flagsFor(level, code, parent string) []string {
	var flags []string
	switch level {
	case "district":
		if mountainous[code] {
			flags = append(flags, "mountainous")
		}
		if poor[code] {
			flags = append(flags, "poor_district")
		}
	case "commune":
		if mountainous[parent] {
			flags = append(flags, "mountainous")
		}
	}
	return flags
}

// Units2022 returns the units valid from 2022-01-01: the province, 27 district-level units and
// 559 communes, sorted by level and code.
func Units2022() ([]Unit, error) { return readUnits("data/units_2022-01.csv") }

// Units2025 returns the units valid 2025-01-01 … 2025-06-30: the province, 26 district-level
// units and 547 communes.
func Units2025() ([]Unit, error) { return readUnits("data/units_2025-01.csv") }

func readUnits(name string) ([]Unit, error) {
	rows, err := readCSV(name, []string{"code", "name", "level", "kind", "parent_code"})
	if err != nil {
		return nil, err
	}
	units := make([]Unit, 0, len(rows))
	for _, r := range rows {
		units = append(units, Unit{Code: r[0], Name: r[1], Level: r[2], Kind: r[3], ParentCode: r[4], Flags: flagsFor(r[2], r[0], r[4])})
	}
	return units, nil
}

// Changes returns every change of the hierarchy from 2022-01-01 on, in date order, as contract
// v1 can say it: each a merge. The reorganization of 2025-07-01 comes last, projected onto
// merges (see Reorganization.V1): each split commune goes whole into one of its receiving
// units, and each new commune stays under the district of the commune whose code it reuses.
// The gateway's scopes read this view (adding every part of a split, auth.FromRefdata); Events
// gives the reorganization as it was, with its dissolutions and splits, and the stream
// generator sends that.
func Changes() ([]Change, error) {
	changes, err := changesBefore()
	if err != nil {
		return nil, err
	}
	r, err := TwoLevel()
	if err != nil {
		return nil, err
	}
	v1, err := r.V1()
	if err != nil {
		return nil, err
	}
	return append(changes, v1...), nil
}

// changesBefore returns the changes of changes.csv: those from 2022-01-01 up to the
// reorganization of 2025-07-01, in date order.
func changesBefore() ([]Change, error) {
	rows, err := readCSV("data/changes.csv", []string{"date", "from_codes", "into_code", "into_name", "into_kind", "parent_code", "note"})
	if err != nil {
		return nil, err
	}
	changes := make([]Change, 0, len(rows))
	for i, r := range rows {
		d, err := events.ParseDate(r[0])
		if err != nil {
			return nil, fmt.Errorf("changes.csv row %d: %w", i+2, err)
		}
		if d >= Reorganization2025 {
			return nil, fmt.Errorf("changes.csv row %d: the reorganization of %s comes from commune_mergers_2025.csv", i+2, Reorganization2025)
		}
		changes = append(changes, Change{Date: d, FromCodes: strings.Fields(r[1]), IntoCode: r[2], IntoName: r[3], IntoKind: r[4], ParentCode: r[5], Note: r[6]})
	}
	return changes, nil
}

func readCSV(name string, header []string) ([][]string, error) {
	f, err := files.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = len(header)
	got, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read %s header: %w", name, err)
	}
	if strings.Join(got, ",") != strings.Join(header, ",") {
		return nil, fmt.Errorf("%s: header %q, want %q", name, got, header)
	}
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		rows = append(rows, rec)
	}
}
