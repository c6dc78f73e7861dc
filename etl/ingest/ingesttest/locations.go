package ingesttest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/iceberg-go"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// RecordedLocations lists every location the Iceberg metadata of the warehouse in dir records,
// read from the files themselves rather than through the warehouse: per table, each metadata
// file's location and metadata log, each snapshot's manifest list, each manifest list's
// manifests and each manifest's data files (removed ones too). A location under the table
// location is read where the table is now, so that it works on a warehouse that was moved.
func RecordedLocations(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	for _, name := range []string{warehouse.EventsLog, warehouse.DeadLetters} {
		tdir := filepath.Join(dir, "iceberg", warehouse.Namespace, name)
		metas, err := filepath.Glob(filepath.Join(tdir, "metadata", "v*.metadata.json"))
		require.NoError(t, err)
		require.NotEmpty(t, metas, name)
		lists := map[string]bool{}
		var location string
		for _, m := range metas {
			b, err := os.ReadFile(m)
			require.NoError(t, err)
			var md struct {
				Location    string `json:"location"`
				MetadataLog []struct {
					File string `json:"metadata-file"`
				} `json:"metadata-log"`
				Snapshots []struct {
					ManifestList string `json:"manifest-list"`
				} `json:"snapshots"`
			}
			require.NoError(t, json.Unmarshal(b, &md), m)
			location = md.Location
			out = append(out, md.Location)
			for _, e := range md.MetadataLog {
				out = append(out, e.File)
			}
			for _, s := range md.Snapshots {
				lists[s.ManifestList] = true
			}
		}
		local := func(loc string) string {
			p, from := warehouse.LocalPath(loc), warehouse.LocalPath(location)
			if rest, ok := strings.CutPrefix(p, from+"/"); ok {
				return filepath.Join(tdir, rest)
			}
			return p
		}
		manifests := map[string]iceberg.ManifestFile{}
		for l := range lists {
			out = append(out, l)
			b, err := os.ReadFile(local(l))
			require.NoError(t, err, l)
			files, err := iceberg.ReadManifestList(bytes.NewReader(b))
			require.NoError(t, err, l)
			for _, f := range files {
				manifests[f.FilePath()] = f
			}
		}
		for p, m := range manifests {
			out = append(out, p)
			b, err := os.ReadFile(local(p))
			require.NoError(t, err, p)
			entries, err := iceberg.ReadManifest(m, bytes.NewReader(b), false)
			require.NoError(t, err, p)
			for _, e := range entries {
				out = append(out, e.DataFile().FilePath())
			}
		}
	}
	return out
}
