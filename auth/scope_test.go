package auth_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/auth"
	"github.com/thanhhoa-ntm/ntm/events/refdata"
)

func TestBelow(t *testing.T) {
	parents := map[string]string{"15814-007": "15814", "15814": "398", "15817": "398", "398": "38", "a": "b", "b": "a"}
	parentOf := func(code string) (string, bool) { p, ok := parents[code]; return p, ok }
	for _, tc := range []struct {
		ancestor, unit string
		want           bool
	}{
		{"15814", "15814-007", true},
		{"398", "15814-007", true},
		{"38", "15814-007", true},
		{"398", "15814", true},
		{"38", "99999", true}, // the province is above every unit, known or not
		{"15814", "15814", false},
		{"38", "38", false},
		{"15814", "15817", false},
		{"15814-007", "15814", false},
		{"15814", "398", false},
		{"398", "99999", false},
		{"c", "a", false}, // a cycle ends the walk
	} {
		require.Equal(t, tc.want, auth.Below(tc.ancestor, tc.unit, parentOf), "Below(%s, %s)", tc.ancestor, tc.unit)
	}
}

func TestDefaultHierarchy(t *testing.T) {
	h := auth.DefaultHierarchy()
	for _, tc := range []struct {
		name           string
		ancestor, unit string
		want           bool
	}{
		{"a village below its commune", "15814", "15814-007", true},
		{"a village below its district", "398", "15814-007", true},
		{"a village below the province", "38", "15814-007", true},
		{"a commune below its district", "398", "15814", true},
		{"another commune", "15814", "15817", false},
		{"a commune of another district", "380", "15814", false},
		{"a commune above its villages only", "15814-007", "15814", false},
		{"a merged-away commune below the unit it joined", "14758", "14755", true},
		{"a merged-away commune below its district", "380", "14755", true},
		{"a village of a merged-away commune below the unit it joined", "14758", "14755-003", true},
		{"a commune merged into another district's unit, below its own district", "392", "15277", true},
		{"a commune merged into another district's unit, below that unit", "14812", "15277", true},
		{"a commune merged into another district's unit, below that district", "381", "15277", true},
		{"a commune of Đông Sơn below Đông Sơn", "405", "16378", true},
		{"a commune of Đông Sơn below the city it joined", "380", "16378", true},
		{"Đông Sơn below the city it joined", "380", "405", true},
		{"a commune abolished in 2025-01 below the commune it joined", "16516", "16537", true},
		{"a continuing unit not below one it absorbed", "14755", "14758", false},
		{"a district not below another", "381", "380", false},
		// 15772 was split between 15772, 15796 and 15835 on 2025-07-01 (contract v2).
		{"a split commune below each unit that took a part of it", "15796", "15772", true},
		{"a split commune below its last part too", "15835", "15772", true},
		{"a split commune's village below a part", "15835", "15772-001", true},
		{"a part not below another part", "15796", "15835", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, h.Below(tc.ancestor, tc.unit))
			require.Equal(t, tc.want || tc.ancestor == tc.unit, h.InScope(tc.ancestor, tc.unit))
		})
	}
}

// TestDefaultHierarchyCoversRefdata checks every unit that existed from 2022 to 2025: each has a
// parent, its single chain reaches the province, and it is below each of its direct parents
// and each unit it was merged into.
func TestDefaultHierarchyCoversRefdata(t *testing.T) {
	h := auth.DefaultHierarchy()
	u22, err := refdata.Units2022()
	require.NoError(t, err)
	u25, err := refdata.Units2025()
	require.NoError(t, err)
	changes, err := refdata.Changes()
	require.NoError(t, err)
	codes := map[string]bool{}
	for _, u := range append(u22, u25...) {
		codes[u.Code] = true
		if u.ParentCode != "" {
			require.True(t, h.Below(u.ParentCode, u.Code), "%s below %s", u.Code, u.ParentCode)
		}
	}
	for _, c := range changes {
		codes[c.IntoCode] = true
		require.True(t, h.Below(c.ParentCode, c.IntoCode), "%s below %s", c.IntoCode, c.ParentCode)
		for _, from := range c.FromCodes {
			codes[from] = true
			if from != c.IntoCode {
				require.True(t, h.Below(c.IntoCode, from), "%s merged into %s", from, c.IntoCode)
				require.True(t, auth.Below(c.IntoCode, from, auth.ParentOf), "%s merged into %s, single chain", from, c.IntoCode)
				require.True(t, h.Below(c.ParentCode, from), "%s merged into a unit of %s", from, c.ParentCode)
			}
		}
	}
	require.Greater(t, len(codes), 580)
	for code := range codes {
		if code == refdata.ProvinceCode {
			_, ok := auth.ParentOf(code)
			require.False(t, ok)
			continue
		}
		chain := []string{code}
		for c := code; c != refdata.ProvinceCode; {
			p, ok := auth.ParentOf(c)
			require.True(t, ok, "%s has no parent (chain %v)", c, chain)
			chain = append(chain, p)
			require.Less(t, len(chain), 8, "chain of %s: %v", code, chain)
			c = p
		}
	}
}
