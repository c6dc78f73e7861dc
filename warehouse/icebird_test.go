package warehouse_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	kit "github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// An independent Iceberg reader, icebird (JavaScript), reads both tables with the counts the
// warehouse holds, following the metadata's file:// URIs from the table folder on. It runs only
// where node is installed and NTM_ICEBIRD names a folder where "npm install icebird hyparquet"
// was run (.ci/run installs it); with CI set, a missing reader fails the test.
func TestIcebirdReadsTheTables(t *testing.T) {
	skip := t.Skip
	if os.Getenv("CI") != "" {
		skip = t.Fatal
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("no node")
	}
	index := filepath.Join(os.Getenv("NTM_ICEBIRD"), "node_modules", "icebird", "src", "index.js")
	if _, err := os.Stat(index); os.Getenv("NTM_ICEBIRD") == "" || err != nil {
		skip("NTM_ICEBIRD does not name a folder with icebird installed")
	}
	script, err := filepath.Abs(filepath.Join("testdata", "icebird", "read.mjs"))
	require.NoError(t, err)
	lines := append(kit.Fixture(t, "units.ndjson", "gov.ndjson"), []byte("not json"), []byte("[1]"))
	wh := kit.Warehouse(t, lines)
	ev, dl := kit.Counts(t, wh)
	require.NotEmpty(t, dl)
	for _, c := range []struct {
		table, column string
		want          map[string]int64
	}{
		{warehouse.EventsLog, "event_type", ev},
		{warehouse.DeadLetters, "reason", dl},
	} {
		t.Run(c.table, func(t *testing.T) {
			dir := filepath.Join(wh.Dir(), "iceberg", warehouse.Namespace, c.table)
			cmd := exec.Command(node, script, dir, c.column)
			cmd.Env = append(os.Environ(), "ICEBIRD="+(&url.URL{Scheme: "file", Path: index}).String(), "INFLATE_AVRO=1")
			out, err := cmd.Output()
			var stderr string
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				stderr = string(ee.Stderr)
			}
			require.NoError(t, err, stderr)
			var got struct {
				Location string           `json:"location"`
				Counts   map[string]int64 `json:"counts"`
			}
			require.NoError(t, json.Unmarshal(out, &got), string(out))
			assert.Equal(t, (&url.URL{Scheme: "file", Path: dir}).String(), got.Location)
			assert.Equal(t, c.want, got.Counts)
		})
	}
}
