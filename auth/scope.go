package auth

import (
	"fmt"
	"slices"
	"sync"

	"github.com/thanhhoa-ntm/ntm/events/refdata"
)

// maxDepth bounds a walk up a parent chain, so that a parent function with a cycle cannot hang
// Below. The real hierarchy is at most five deep (village, commune, merged commune, district,
// province).
const maxDepth = 64

// Below reports whether unit lies strictly below ancestor, walking up from unit with parentOf
// (which returns a unit's parent and whether it has one). The province "38" is above every
// other unit, known or not. A unit is not below itself: a reporter's scope is its unit and the
// units below it, see InScope.
func Below(ancestor, unit string, parentOf func(code string) (string, bool)) bool {
	if unit == ancestor {
		return false
	}
	if ancestor == refdata.ProvinceCode {
		return true
	}
	code := unit
	for range maxDepth {
		p, ok := parentOf(code)
		if !ok || p == code {
			return false
		}
		if p == ancestor {
			return true
		}
		code = p
	}
	return false
}

// Hierarchy is every administrative unit that existed from 2022 to 2025, with all its parents.
// A unit may have several: a commune that changed district (the communes of Đông Sơn joined
// the city of Thanh Hóa in 2025) has both, and a unit merged into another has its own parent
// and the unit it was merged into, whose parent may be a third district. A unit is below all of
// them, so that a token for any of them may still send the unit's events, historical ones
// included. A Hierarchy is immutable and safe for concurrent use.
type Hierarchy struct {
	parents map[string][]string
}

// NewHierarchy builds a hierarchy from lists of units (each unit's parent is one of its
// parents) and the changes between them (a unit of FromCodes that is not IntoCode gets IntoCode
// as a parent; IntoCode gets ParentCode).
func NewHierarchy(changes []refdata.Change, lists ...[]refdata.Unit) *Hierarchy {
	h := &Hierarchy{parents: map[string][]string{}}
	add := func(code, parent string) {
		if parent == "" || parent == code || slices.Contains(h.parents[code], parent) {
			return
		}
		h.parents[code] = append(h.parents[code], parent)
	}
	// The unit merged into comes first, so that ParentOf's single chain passes through it and
	// then its parent, as the unit's history does.
	for _, c := range changes {
		for _, from := range c.FromCodes {
			add(from, c.IntoCode)
		}
	}
	for _, list := range lists {
		for _, u := range list {
			add(u.Code, u.ParentCode)
		}
	}
	for _, c := range changes {
		add(c.IntoCode, c.ParentCode)
	}
	return h
}

// FromRefdata builds the hierarchy of the reference data: the units of 2022 and 2025 and every
// change from 2022 to the reorganization of 2025-07-01.
func FromRefdata() (*Hierarchy, error) {
	u22, err := refdata.Units2022()
	if err != nil {
		return nil, fmt.Errorf("read the units of 2022: %w", err)
	}
	u25, err := refdata.Units2025()
	if err != nil {
		return nil, fmt.Errorf("read the units of 2025: %w", err)
	}
	changes, err := refdata.Changes()
	if err != nil {
		return nil, fmt.Errorf("read the changes of the units: %w", err)
	}
	// Changes lists a split commune under one receiving unit only (contract v1 has no split);
	// every part of a split took in some of it, so each part's token may send its events.
	r, err := refdata.TwoLevel()
	if err != nil {
		return nil, fmt.Errorf("read the reorganization of 2025: %w", err)
	}
	for _, sp := range r.Splits {
		for _, part := range sp.Into {
			changes = append(changes, refdata.Change{FromCodes: []string{sp.FromCode}, IntoCode: part.Code})
		}
	}
	return NewHierarchy(changes, u22, u25), nil
}

var defaultHierarchy = sync.OnceValue(func() *Hierarchy {
	h, err := FromRefdata()
	if err != nil {
		// The reference data is compiled in and tested: failing to read it is a broken build.
		panic("BUG: embedded reference data: " + err.Error())
	}
	return h
})

// DefaultHierarchy returns the hierarchy of the reference data (FromRefdata), built once.
func DefaultHierarchy() *Hierarchy { return defaultHierarchy() }

// ParentOf returns a unit's parent in the default hierarchy; see Hierarchy.ParentOf.
func ParentOf(code string) (string, bool) { return DefaultHierarchy().ParentOf(code) }

// Parents returns every parent of the unit: for a village ddddd-ddd that the hierarchy does not
// list, its commune ddddd. The caller must not modify the slice.
func (h *Hierarchy) Parents(code string) []string {
	if p, ok := h.parents[code]; ok {
		return p
	}
	if village(code) {
		return []string{code[:5]}
	}
	return nil
}

// ParentOf returns one parent of the unit, for a single chain to walk with Below: the unit it
// was merged into when there is one, else its earliest parent. The chain reaches the province,
// but only Hierarchy.Below sees every parent of a unit that has several.
func (h *Hierarchy) ParentOf(code string) (string, bool) {
	p := h.Parents(code)
	if len(p) == 0 {
		return "", false
	}
	return p[0], true
}

// Below reports whether unit lies strictly below ancestor through any of its parents. The
// province "38" is above every other unit, known or not.
func (h *Hierarchy) Below(ancestor, unit string) bool {
	if unit == ancestor {
		return false
	}
	if ancestor == refdata.ProvinceCode {
		return true
	}
	seen := map[string]bool{unit: true}
	todo := []string{unit}
	for len(todo) > 0 {
		code := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, p := range h.Parents(code) {
			if p == ancestor {
				return true
			}
			if !seen[p] {
				seen[p] = true
				todo = append(todo, p)
			}
		}
	}
	return false
}

// InScope reports whether a reporter of unit scope may send events about unit: unit is scope
// or lies below it in h.
func (h *Hierarchy) InScope(scope, unit string) bool {
	return unit == scope || h.Below(scope, unit)
}

// village reports whether code has the form ddddd-ddd.
func village(code string) bool {
	if len(code) != 9 || code[5] != '-' {
		return false
	}
	for i := range len(code) {
		if i != 5 && (code[i] < '0' || code[i] > '9') {
			return false
		}
	}
	return true
}
