// Package auth holds the bearer tokens of ntm's HTTP service: who may call it, in which role,
// and for which unit. Tokens are stored only as SHA-256 hashes, so that the file that grants
// access does not itself hold a usable secret.
package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/refdata"
	"github.com/thanhhoa-ntm/ntm/internal/fsx"
)

// The roles a token may have.
const (
	// RoleReporter sends events for its unit and the units below it.
	RoleReporter = "reporter"
	// RoleAnalyst reads (SQL, indicators); it may not send events.
	RoleAnalyst = "analyst"
	// RoleRegistry is the registry of administrative units (the provincial Department of Home
	// Affairs, Sở Nội vụ): it alone, besides admin, sends admin_unit.* events, for the units of
	// its scope (its unit and below; the province by default).
	RoleRegistry = "registry"
	// RoleAdmin may do everything, and send events for any unit.
	RoleAdmin = "admin"
)

// Roles returns every role, in order of increasing power.
func Roles() []string { return []string{RoleReporter, RoleAnalyst, RoleRegistry, RoleAdmin} }

// Errors of Authenticate. Each is a distinct failure the caller may answer differently.
var (
	// ErrNoToken means the request has no Authorization header.
	ErrNoToken = errors.New("no bearer token: send the header Authorization: Bearer <token>")
	// ErrMalformed means the Authorization header is not "Bearer <token>".
	ErrMalformed = errors.New("malformed Authorization header: it must be Bearer followed by one space and the token")
	// ErrUnknownToken means the token matches no stored hash.
	ErrUnknownToken = errors.New("unknown token: it was never issued or has been removed")
	// ErrExpired means the token matches a stored hash whose expiry has passed.
	ErrExpired = errors.New("expired token: ask for a new one")
)

// tokenBytes is the number of random bytes in a token.
const tokenBytes = 32

// File is the JSON document of a token file.
type File struct {
	Tokens []Entry `json:"tokens"`
}

// Entry is one token in a token file: its hash, never the token itself.
type Entry struct {
	// Name says whose token it is; it appears in logs. Names are unique within a file.
	Name string `json:"name"`
	// SHA256 is the lowercase hex SHA-256 of the token's text.
	SHA256 string `json:"sha256"`
	// Role is one of Roles.
	Role string `json:"role"`
	// Unit is the unit code of a reporter's or registry's scope; empty for other roles (and
	// for a registry of the whole province).
	Unit string `json:"unit,omitempty"`
	// ExpiresAt is an RFC 3339 timestamp after which the token is refused; empty for never.
	ExpiresAt string `json:"expires_at,omitempty"`
}

// Validate checks the entry on its own: a name, a 64-digit hex hash, a known role, a valid unit
// code for reporters and none for other roles, and an RFC 3339 expiry when there is one.
func (e Entry) Validate() error {
	if strings.TrimSpace(e.Name) == "" {
		return errors.New("the name is empty")
	}
	if len(e.SHA256) != 2*sha256.Size {
		return fmt.Errorf("sha256 has %d characters, want %d hex digits", len(e.SHA256), 2*sha256.Size)
	}
	if _, err := hex.DecodeString(e.SHA256); err != nil {
		return fmt.Errorf("sha256 is not hex: %w", err)
	}
	switch e.Role {
	case RoleReporter:
		if !events.ValidUnitCode(e.Unit) {
			return fmt.Errorf("a reporter needs its unit: %q is not a unit code (38, 3 digits, 5 digits or ddddd-ddd)", e.Unit)
		}
	case RoleRegistry:
		if e.Unit != "" && !events.ValidUnitCode(e.Unit) {
			return fmt.Errorf("a registry's unit %q is not a unit code; leave it empty for the province", e.Unit)
		}
	case RoleAnalyst, RoleAdmin:
		if e.Unit != "" {
			return fmt.Errorf("only reporters have a unit; role %s has none, so drop unit %q", e.Role, e.Unit)
		}
	default:
		return fmt.Errorf("role %q is not one of %s", e.Role, strings.Join(Roles(), ", "))
	}
	if e.ExpiresAt != "" {
		if _, err := time.Parse(time.RFC3339, e.ExpiresAt); err != nil {
			return fmt.Errorf("expires_at %q is not an RFC 3339 timestamp", e.ExpiresAt)
		}
	}
	return nil
}

// Principal is who a token speaks for.
type Principal struct {
	Name string
	Role string
	Unit string // the reporter's unit; empty for other roles
}

// Store holds the tokens of a file, ready to authenticate requests. It is safe for concurrent
// use and never changes once loaded.
type Store struct {
	entries []stored
}

type stored struct {
	hash      [sha256.Size]byte
	principal Principal
	expires   time.Time // zero for never
}

// NewStore returns a Store of the entries, validated as Load validates a file.
func NewStore(entries []Entry) (*Store, error) {
	s := &Store{entries: make([]stored, 0, len(entries))}
	names := map[string]bool{}
	hashes := map[[sha256.Size]byte]bool{}
	for i, e := range entries {
		if err := e.Validate(); err != nil {
			return nil, fmt.Errorf("token %d (%q): %w", i+1, e.Name, err)
		}
		var st stored
		if _, err := hex.Decode(st.hash[:], []byte(e.SHA256)); err != nil {
			return nil, fmt.Errorf("BUG: token %d: validated hash does not decode: %w", i+1, err)
		}
		if names[e.Name] {
			return nil, fmt.Errorf("token %d: the name %q is used twice; names must be unique", i+1, e.Name)
		}
		if hashes[st.hash] {
			return nil, fmt.Errorf("token %d (%q): the same hash is stored twice", i+1, e.Name)
		}
		names[e.Name], hashes[st.hash] = true, true
		if e.ExpiresAt != "" {
			st.expires, _ = time.Parse(time.RFC3339, e.ExpiresAt)
		}
		st.principal = Principal{Name: e.Name, Role: e.Role, Unit: e.Unit}
		if e.Role == RoleRegistry && e.Unit == "" {
			st.principal.Unit = refdata.ProvinceCode
		}
		s.entries = append(s.entries, st)
	}
	return s, nil
}

// Load reads and validates the token file at path. Every entry must be valid: one bad entry
// fails the whole file, so that a typo never silently drops or widens someone's access.
func Load(path string) (*Store, error) {
	f, err := readFile(path)
	if err != nil {
		return nil, err
	}
	s, err := NewStore(f.Tokens)
	if err != nil {
		return nil, fmt.Errorf("token file %s: %w", path, err)
	}
	return s, nil
}

// Len returns the number of tokens in the store.
func (s *Store) Len() int { return len(s.entries) }

// Authenticate returns the principal of the request's bearer token (RFC 6750: the header
// "Authorization: Bearer <token>", the scheme in any case). It fails with ErrNoToken,
// ErrMalformed, ErrUnknownToken or ErrExpired.
//
// The presented token is hashed and compared with every stored hash in constant time, going
// through all of them whatever matches, so that neither the timing of a byte comparison nor the
// position of the match tells an attacker anything about the stored hashes.
func (s *Store) Authenticate(r *http.Request, now time.Time) (Principal, error) {
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		return Principal{}, ErrNoToken
	}
	if len(values) > 1 {
		return Principal{}, ErrMalformed
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return Principal{}, ErrMalformed
	}
	h := sha256.Sum256([]byte(token))
	found := -1
	for i := range s.entries {
		eq := subtle.ConstantTimeCompare(h[:], s.entries[i].hash[:])
		found = subtle.ConstantTimeSelect(eq, i, found)
	}
	if found < 0 {
		return Principal{}, ErrUnknownToken
	}
	e := s.entries[found]
	if !e.expires.IsZero() && !now.Before(e.expires) {
		return Principal{}, fmt.Errorf("token %q expired at %s: %w", e.principal.Name, e.expires.Format(time.RFC3339), ErrExpired)
	}
	return e.principal, nil
}

// NewToken returns a new random token (32 bytes from crypto/rand, base64url without padding)
// and its hash as stored in a token file.
func NewToken() (token, hash string) {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails; it crashes the program instead
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, Hash(token)
}

// Hash returns the lowercase hex SHA-256 of a token, as a token file stores it.
func Hash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Append adds the entry to the token file at path, creating the file with mode 0600 when it
// does not exist. The file is replaced atomically (written to a temporary file beside it,
// synced, renamed, and the directory synced), so a crash leaves either the old file or the new
// one, never a torn one. The entry's name and hash must be new to the file.
func Append(path string, e Entry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	f, err := readFile(path)
	mode := os.FileMode(0o600)
	switch {
	case errors.Is(err, os.ErrNotExist):
		f = File{}
	case err != nil:
		return err
	default:
		if st, serr := os.Stat(path); serr == nil {
			mode = st.Mode().Perm()
		}
	}
	f.Tokens = append(f.Tokens, e)
	if _, err := NewStore(f.Tokens); err != nil {
		return fmt.Errorf("token file %s: %w", path, err)
	}
	return writeFile(path, f, mode)
}

// ErrNoSuchToken means a token file has no entry of the name asked for.
var ErrNoSuchToken = errors.New("no token of that name")

// Entries returns the entries of the token file at path, validated as Load validates them, so
// that a listing never shows a file that ntm serve would refuse as if it were in force.
func Entries(path string) ([]Entry, error) {
	f, err := readFile(path)
	if err != nil {
		return nil, err
	}
	if _, err := NewStore(f.Tokens); err != nil {
		return nil, fmt.Errorf("token file %s: %w", path, err)
	}
	return f.Tokens, nil
}

// Remove deletes the entry named name from the token file at path and returns it, replacing
// the file atomically as Append does and keeping its mode. A name the file does not hold is
// ErrNoSuchToken, and the file is left as it was.
func Remove(path, name string) (Entry, error) {
	f, err := readFile(path)
	if err != nil {
		return Entry{}, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return Entry{}, fmt.Errorf("token file: %w", err)
	}
	i := slices.IndexFunc(f.Tokens, func(e Entry) bool { return e.Name == name })
	if i < 0 {
		return Entry{}, fmt.Errorf("token file %s: %q: %w", path, name, ErrNoSuchToken)
	}
	removed := f.Tokens[i]
	f.Tokens = slices.Delete(f.Tokens, i, i+1)
	if err := writeFile(path, f, st.Mode().Perm()); err != nil {
		return Entry{}, err
	}
	return removed, nil
}

// writeFile replaces the token file at path with f: written to a temporary file beside it,
// synced, renamed and the directory synced, so that a crash leaves the old file or the new one.
func writeFile(path string, f File, mode os.FileMode) error {
	if f.Tokens == nil {
		// An empty file still says "tokens": [], not null, so that it reads back as it was.
		f.Tokens = []Entry{}
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the token file: %w", err)
	}
	if err := fsx.WriteFile(path, append(data, '\n'), mode); err != nil {
		return fmt.Errorf("token file: %w", err)
	}
	return nil
}

func readFile(path string) (File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("read the token file: %w", err)
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return File{}, fmt.Errorf("token file %s is not a valid token file: %w", path, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return File{}, fmt.Errorf("token file %s has data after its JSON object", path)
	}
	return f, nil
}
