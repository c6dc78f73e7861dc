package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/thanhhoa-ntm/ntm/"

// allowed says, for each top-level folder, which others its non-test code may import: imports
// point one way, cmd → web → queries → warehouse → events, and etl → warehouse, events. Test
// files are free to reach further (an ingest test may read the tables through queries/session).
// internal/ holds leaf helpers every layer shares (fsx: durable file replacement and locks); it
// imports nothing of the module.
var allowed = map[string][]string{
	"internal":  {"internal"},
	"events":    {"events", "internal"},
	"warehouse": {"warehouse", "events", "internal"},
	"etl":       {"etl", "warehouse", "events", "internal"},
	"queries":   {"queries", "warehouse", "events", "internal"},
	"auth":      {"auth", "events", "internal"},
	"web":       {"web", "queries", "warehouse", "events", "auth", "internal"},
}

// TestImportsPointOneWay reads every package's imports from the source tree and fails on one
// that points against the layout, so a shortcut across layers is caught where it is written.
func TestImportsPointOneWay(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	seen := 0
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); strings.HasPrefix(name, ".") || name == "testdata" || name == "ntm-demo" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		require.NoError(t, err)
		top := strings.Split(filepath.ToSlash(rel), "/")[0]
		ok, ruled := allowed[top]
		if !ruled {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(ip, module) {
				continue
			}
			seen++
			to := strings.Split(strings.TrimPrefix(ip, module), "/")[0]
			assert.Contains(t, ok, to, "%s imports %s: %s/ may import only %v", rel, ip, top, ok)
		}
		return nil
	}))
	assert.Greater(t, seen, 20, "the walk found the module's imports")
}
