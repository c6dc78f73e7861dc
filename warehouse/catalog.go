package warehouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/catalog/hadoop"
	icebergio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"

	"github.com/thanhhoa-ntm/ntm/internal/fsx"
)

// fsCatalog is the warehouse's Iceberg catalog: iceberg-go's Hadoop catalog for the layout
// (<root>/<namespace>/<table>/metadata/v<N>.metadata.json) and for finding a table's latest
// metadata, with table creation, loading and commits of its own, for two reasons the Hadoop
// catalog cannot serve:
//
//   - Every location it writes is a file:// URI, as the Iceberg spec wants (the Hadoop catalog
//     records bare local paths as the table location and in the metadata log). The table
//     location is a URI from the start, so iceberg-go's manifest lists and manifests, which it
//     places under the location, are URIs too, and the warehouse records its data files as URIs
//     under the location (FileURI).
//   - The warehouse can be moved. Every location a table records starts with the table
//     location, which never changes; the table's file system (relocFS) maps that prefix to the
//     table's folder under the root the catalog was opened at. A table written before the
//     move, or after it, reads and writes in the folder where it is now.
//
// A table created by the Hadoop catalog (bare paths) is read the same way: relocFS takes both
// forms.
type fsCatalog struct {
	*hadoop.Catalog
	root string // the absolute folder of the catalog (<warehouse>/iceberg)
}

func newCatalog(root string) (*fsCatalog, error) {
	cat, err := hadoop.NewCatalog("ntm", root, iceberg.Properties{})
	if err != nil {
		return nil, err
	}
	return &fsCatalog{Catalog: cat, root: root}, nil
}

// tableDir is the folder of the table under the catalog's root.
func (c *fsCatalog) tableDir(ident table.Identifier) string {
	return filepath.Join(append([]string{c.root}, ident...)...)
}

// CreateTable creates the table with a file:// location under the root.
func (c *fsCatalog) CreateTable(ctx context.Context, ident table.Identifier, sc *iceberg.Schema, opts ...catalog.CreateTableOpt) (*table.Table, error) {
	var cfg catalog.CreateTableCfg
	for _, opt := range opts {
		opt(&cfg)
	}
	if len(ident) < 2 {
		return nil, fmt.Errorf("%w: %v", catalog.ErrNoSuchNamespace, ident)
	}
	dir := c.tableDir(ident)
	if st, err := os.Stat(filepath.Dir(dir)); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%w: %s", catalog.ErrNoSuchNamespace, strings.Join(ident[:len(ident)-1], "."))
	}
	ok, err := c.CheckTableExists(ctx, ident)
	if err != nil {
		return nil, err
	}
	if ok {
		return nil, fmt.Errorf("%w: %s", catalog.ErrTableAlreadyExists, strings.Join(ident, "."))
	}
	loc := fileURI(dir)
	if cfg.Location != "" && cfg.Location != loc {
		return nil, errors.New("catalog: custom table locations are not supported")
	}
	md, err := table.NewMetadata(sc, cfg.PartitionSpec, cfg.SortOrder, loc, cfg.Properties)
	if err != nil {
		return nil, fmt.Errorf("catalog: new metadata: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "metadata"), 0o755); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if _, err := publish(dir, 1, md, catalog.ErrTableAlreadyExists); err != nil {
		return nil, err
	}
	writeVersionHint(dir, 1)
	return c.LoadTable(ctx, ident)
}

// LoadTable loads the table's latest metadata, with a file system that maps the table's
// recorded location to its folder under the root.
func (c *fsCatalog) LoadTable(ctx context.Context, ident table.Identifier) (*table.Table, error) {
	t, err := c.Catalog.LoadTable(ctx, ident)
	if err != nil {
		return nil, err
	}
	fsys := newRelocFS(t.Metadata().Location(), c.tableDir(ident))
	return table.New(ident, t.Metadata(), fsys.URI(t.MetadataLocation()), fsys.load, c), nil
}

// CommitTable applies the updates to the table's latest metadata, if the requirements hold,
// and publishes the result as the next version: the metadata file is written to a temporary
// file, synced, and hard-linked to v<N+1>.metadata.json, which fails when another writer
// published that version first (table.ErrCommitFailed, a conflict to retry on a reloaded
// table). Unlike the Hadoop catalog's, the metadata log records the previous metadata file as
// a URI under the table location.
func (c *fsCatalog) CommitTable(ctx context.Context, ident table.Identifier, reqs []table.Requirement, updates []table.Update) (table.Metadata, string, error) {
	cur, err := c.Catalog.LoadTable(ctx, ident)
	if err != nil {
		return nil, "", err
	}
	version, err := metadataVersion(cur.MetadataLocation())
	if err != nil {
		return nil, "", err
	}
	for _, r := range reqs {
		if err := r.Validate(cur.Metadata()); err != nil {
			return nil, "", err
		}
	}
	dir := c.tableDir(ident)
	prev := newRelocFS(cur.Metadata().Location(), dir).URI(cur.MetadataLocation())
	updated, err := table.UpdateTableMetadata(cur.Metadata(), updates, prev)
	if err != nil {
		return nil, "", fmt.Errorf("catalog: apply updates: %w", err)
	}
	if v := updated.Properties().Get(table.WriteMetadataLocationKey, ""); v != "" {
		return nil, "", fmt.Errorf("catalog: %s is not supported", table.WriteMetadataLocationKey)
	}
	name, err := publish(dir, version+1, updated, table.ErrCommitFailed)
	if err != nil {
		return nil, "", err
	}
	writeVersionHint(dir, version+1)
	return updated, newRelocFS(updated.Location(), dir).URI(name), nil
}

var versionPattern = regexp.MustCompile(`^v([0-9]+)(?:\.gz)?\.metadata\.json$`)

// metadataVersion is the version N of a metadata file v<N>.metadata.json.
func metadataVersion(loc string) (int, error) {
	m := versionPattern.FindStringSubmatch(filepath.Base(LocalPath(loc)))
	if m == nil {
		return 0, fmt.Errorf("catalog: %s is not a versioned metadata file (v<N>.metadata.json)", loc)
	}
	return strconv.Atoi(m[1])
}

// publish writes md as version of the table in dir and returns its path. The file is complete
// and synced before it appears under its name, and it appears only if no other writer
// published the version (conflict otherwise). The folder is synced by the caller's syncfs
// (RetryCommit).
func publish(dir string, version int, md table.Metadata, conflict error) (string, error) {
	data, err := json.Marshal(md)
	if err != nil {
		return "", fmt.Errorf("catalog: encode metadata: %w", err)
	}
	mdir := filepath.Join(dir, "metadata")
	name := filepath.Join(mdir, fmt.Sprintf("v%d.metadata.json", version))
	f, err := os.CreateTemp(mdir, fmt.Sprintf(".v%d.metadata.json.*%s", version, fsx.TempSuffix))
	if err != nil {
		return "", fmt.Errorf("catalog: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("catalog: write metadata: %w", err)
	}
	if err := os.Link(tmp, name); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("%w: version %d of %s was published by another writer", conflict, version, dir)
		}
		return "", fmt.Errorf("catalog: publish metadata: %w", err)
	}
	return name, nil
}

// writeVersionHint records the latest version for other readers of the Hadoop layout (icebird
// starts from it). It is a hint, replaced atomically but not synced (the caller's syncfs covers
// it): readers here scan the metadata folder, so a failure is ignored.
func writeVersionHint(dir string, version int) {
	hint := filepath.Join(dir, "metadata", "version-hint.text")
	tmp := fmt.Sprintf("%s.%d%s", hint, version, fsx.TempSuffix)
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(version)), 0o644); err != nil {
		return
	}
	if err := os.Rename(tmp, hint); err != nil {
		_ = os.Remove(tmp)
	}
}

// fileURI is the file:// URI of the absolute local path p.
func fileURI(p string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
}

// LocalPath turns a location recorded in the table metadata, a file:// URI or (in tables
// written before the warehouse wrote URIs) a bare local path, into a local path. It does not
// map the location to where the warehouse is now: the paths of a DataFile are mapped already.
func LocalPath(loc string) string {
	if !strings.HasPrefix(loc, "file:") {
		return loc
	}
	u, err := url.Parse(loc)
	if err != nil || u.Path == "" {
		return strings.TrimPrefix(strings.TrimPrefix(loc, "file:"), "//")
	}
	return filepath.FromSlash(u.Path)
}

// relocFS is the local file system of one table, as iceberg-go reads and writes it: names under
// the location the table's metadata records (from, as a local path) are mapped to the table's
// folder where the warehouse is now (to). Names elsewhere are used as they are.
type relocFS struct {
	icebergio.LocalFS
	from, to string
}

func newRelocFS(location, dir string) *relocFS {
	return &relocFS{from: filepath.Clean(LocalPath(location)), to: dir}
}

func (r *relocFS) load(context.Context) (icebergio.IO, error) { return r, nil }

// cutDir returns the rest of p after dir ("" or starting with a separator), if p is in dir.
func cutDir(p, dir string) (string, bool) {
	if p == dir {
		return "", true
	}
	if strings.HasPrefix(p, dir+string(filepath.Separator)) {
		return p[len(dir):], true
	}
	return "", false
}

// Local is the local path of a name as the table records it.
func (r *relocFS) Local(name string) string {
	p := filepath.Clean(LocalPath(name))
	if rest, ok := cutDir(p, r.from); ok {
		return r.to + rest
	}
	return p
}

// URI is the location to record for the local path p: a file:// URI, under the table's
// recorded location when p is in the table's folder.
func (r *relocFS) URI(p string) string {
	p = filepath.Clean(LocalPath(p))
	if rest, ok := cutDir(p, r.to); ok {
		p = r.from + rest
	}
	return fileURI(p)
}

func (r *relocFS) Open(name string) (icebergio.File, error) { return r.LocalFS.Open(r.Local(name)) }
func (r *relocFS) ReadFile(name string) ([]byte, error)     { return r.LocalFS.ReadFile(r.Local(name)) }
func (r *relocFS) Create(name string) (icebergio.FileWriter, error) {
	return r.LocalFS.Create(r.Local(name))
}
func (r *relocFS) WriteFile(name string, content []byte) error {
	return r.LocalFS.WriteFile(r.Local(name), content)
}
func (r *relocFS) Remove(name string) error    { return r.LocalFS.Remove(r.Local(name)) }
func (r *relocFS) RemoveAll(name string) error { return r.LocalFS.RemoveAll(r.Local(name)) }
func (r *relocFS) WalkDir(root string, fn fs.WalkDirFunc) error {
	return r.LocalFS.WalkDir(r.Local(root), fn)
}
func (r *relocFS) ReadDir(name string) ([]fs.DirEntry, error) {
	return r.LocalFS.ReadDir(r.Local(name))
}
func (r *relocFS) MkdirAll(name string) error            { return r.LocalFS.MkdirAll(r.Local(name)) }
func (r *relocFS) Mkdir(name string) error               { return r.LocalFS.Mkdir(r.Local(name)) }
func (r *relocFS) Stat(name string) (fs.FileInfo, error) { return r.LocalFS.Stat(r.Local(name)) }
func (r *relocFS) Rename(oldpath, newpath string) error {
	return r.LocalFS.Rename(r.Local(oldpath), r.Local(newpath))
}
func (r *relocFS) RenameNoReplace(oldpath, newpath string) error {
	return r.LocalFS.RenameNoReplace(r.Local(oldpath), r.Local(newpath))
}

// FileURI is the location to record in t's metadata for the local path of a file in the
// table's folder: a file:// URI under the table's recorded location, so that it moves with the
// warehouse.
func FileURI(ctx context.Context, t *table.Table, path string) (string, error) {
	fsys, err := t.FS(ctx)
	if err != nil {
		return "", fmt.Errorf("warehouse: %w", err)
	}
	if r, ok := fsys.(*relocFS); ok {
		return r.URI(path), nil
	}
	return fileURI(path), nil
}

// localOf maps the locations t records to local paths where the table is now.
func localOf(fsys icebergio.IO) func(string) string {
	if r, ok := fsys.(*relocFS); ok {
		return r.Local
	}
	return LocalPath
}
