package opendata

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/events/schema"
)

// Every closed set a column declares is a list of the contract, and every value of it is
// explained in both languages: a value added to the contract without an explanation fails here.
func TestClosedSetsExplained(t *testing.T) {
	for ds, cols := range closedSets {
		for col, list := range cols {
			values := schema.Lists[list]
			require.NotEmpty(t, values, "%s.%s: list %q", ds, col, list)
			for _, v := range values {
				doc := valueDocs[list][v]
				require.NotEmpty(t, doc[0], "%s.%s: %q has no Vietnamese explanation", ds, col, v)
				require.NotEmpty(t, doc[1], "%s.%s: %q has no English explanation", ds, col, v)
			}
			require.Len(t, valueDocs[list], len(values), "%s: explanations of values the contract does not have", list)
		}
	}
	for _, d := range datasets {
		for col := range closedSets[d.Name] {
			_, ok := fieldDocs[col]
			require.True(t, ok, "%s.%s is documented", d.Name, col)
		}
	}
}
