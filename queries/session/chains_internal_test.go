package session

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// at is commit time n (minutes after a fixed instant).
func at(n int) time.Time { return time.Date(2025, 3, 1, 0, n, 0, 0, time.UTC) }

// event is one stored event of a test graph: its id, the id it corrects ("" for none) and its
// commit time.
type event struct {
	id, corrects string
	committed    int
}

// resolveEvents builds the graph of evs as fillChains would from the stored links and returns,
// per event, its steps as "root@from" strings.
func resolveEvents(evs []event) map[string][]string {
	g := &chainGraph{nodes: map[string]*chainNode{}}
	byID := map[string]event{}
	for _, e := range evs {
		byID[e.id] = e
	}
	for _, e := range evs {
		t, ok := byID[e.corrects]
		if !ok || e.corrects == e.id {
			continue
		}
		g.link(g.node(e.id, "survey.response", at(e.committed), at(e.committed)),
			g.node(t.id, "survey.response", at(t.committed), at(t.committed)))
	}
	out := map[string][]string{}
	for _, r := range g.resolve() {
		out[r.node.id] = append(out[r.node.id], fmt.Sprintf("%s@%d", r.root.id, r.from.Sub(at(0))/time.Minute))
	}
	return out
}

// chain is links+1 events, each correcting the one before, committed in order.
func chain(links int) []event {
	evs := []event{{id: "e0", committed: 0}}
	for i := 1; i <= links; i++ {
		evs = append(evs, event{id: fmt.Sprintf("e%d", i), corrects: fmt.Sprintf("e%d", i-1), committed: i})
	}
	return evs
}

func TestResolveChains(t *testing.T) {
	for _, links := range []int{1, 2, 11, 50, 1000} {
		t.Run(fmt.Sprintf("chain of %d links", links), func(t *testing.T) {
			got := resolveEvents(chain(links))
			require.Len(t, got, links+1, "every member has its rows")
			for i := range links + 1 {
				assert.Equal(t, []string{fmt.Sprintf("e0@%d", i)}, got[fmt.Sprintf("e%d", i)],
					"in order, one row per member, rooted at the original from its own commit")
			}
		})
	}
	tests := []struct {
		name string
		evs  []event
		want map[string][]string
	}{
		{
			name: "a correction arrives before its target",
			evs:  []event{{id: "b", corrects: "a", committed: 1}, {id: "a", committed: 5}},
			want: map[string][]string{"a": {"a@5"}, "b": {"b@1", "a@5"}},
		},
		{
			name: "a middle member arrives last",
			evs:  []event{{id: "a", committed: 0}, {id: "c", corrects: "b", committed: 2}, {id: "b", corrects: "a", committed: 7}},
			want: map[string][]string{"a": {"a@0"}, "b": {"a@7"}, "c": {"c@2", "a@7"}},
		},
		{
			name: "a chain arriving backwards",
			evs:  []event{{id: "d", corrects: "c", committed: 1}, {id: "c", corrects: "b", committed: 2}, {id: "b", corrects: "a", committed: 3}, {id: "a", committed: 4}},
			want: map[string][]string{"a": {"a@4"}, "b": {"b@3", "a@4"}, "c": {"c@2", "b@3", "a@4"}, "d": {"d@1", "c@2", "b@3", "a@4"}},
		},
		{
			name: "two corrections of one event form one fact",
			evs:  []event{{id: "a", committed: 0}, {id: "b", corrects: "a", committed: 1}, {id: "c", corrects: "a", committed: 2}},
			want: map[string][]string{"a": {"a@0"}, "b": {"a@1"}, "c": {"a@2"}},
		},
		{
			name: "events correcting each other in a ring are rooted at the least event_id",
			evs:  []event{{id: "x", committed: 0}, {id: "q", corrects: "p", committed: 1}, {id: "p", corrects: "r", committed: 2}, {id: "r", corrects: "q", committed: 3}, {id: "s", corrects: "r", committed: 4}},
			want: map[string][]string{"p": {"p@2"}, "q": {"q@1", "p@2"}, "r": {"p@3"}, "s": {"p@4"}},
		},
		{
			name: "a correction of a missing event is no chain",
			evs:  []event{{id: "b", corrects: "gone", committed: 1}},
			want: map[string][]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, resolveEvents(tt.evs))
		})
	}
}

// The worst case for the step lists: a long chain whose every correction arrives before the
// event it corrects. Each member's root changes at every later arrival above it.
func TestResolveChainsBackwards(t *testing.T) {
	const n = 300
	var evs []event
	for i := range n {
		e := event{id: fmt.Sprintf("e%03d", i), committed: n - i}
		if i > 0 {
			e.corrects = fmt.Sprintf("e%03d", i-1)
		}
		evs = append(evs, e)
	}
	got := resolveEvents(evs)
	for i := range n {
		steps := got[fmt.Sprintf("e%03d", i)]
		require.Len(t, steps, i+1)
		assert.Equal(t, fmt.Sprintf("e000@%d", n), steps[len(steps)-1], "once all have arrived, the original is the root")
	}
}
