package ingest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCommitHookSpacing: the hook runs 5 seconds after a commit, then waits 25 seconds, or
// hookSpacing times as long as its run took when that is longer, before it runs again.
func TestCommitHookSpacing(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  time.Duration // how long a run of the hook takes
		gap  time.Duration // from the end of a run to the start of the next, with commits meanwhile
	}{
		{"a quick hook", time.Second, 25*time.Second + 5*time.Second},
		{"a slow hook", 20 * time.Second, hookSpacing*20*time.Second + 5*time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				var starts, ends []time.Duration
				var h commitHook
				h.start(context.Background(), func(context.Context) error {
					starts = append(starts, time.Since(start))
					time.Sleep(tc.run)
					ends = append(ends, time.Since(start))
					return nil
				}, slog.New(slog.NewTextHandler(io.Discard, nil)))
				// A commit now and then every second, for long enough for three runs.
				for range int((3 * (tc.run + tc.gap)) / time.Second) {
					h.committed()
					time.Sleep(time.Second)
				}
				h.stop()
				require.GreaterOrEqual(t, len(starts), 3)
				require.Equal(t, 5*time.Second, starts[0])
				for i := 1; i < len(starts); i++ {
					require.Equal(t, tc.gap, starts[i]-ends[i-1], "run %d", i)
				}
			})
		})
	}
}
