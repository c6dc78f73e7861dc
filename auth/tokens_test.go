package auth_test

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/auth"
)

var now = time.Date(2025, 8, 1, 9, 0, 0, 0, time.UTC)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tokens.json")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestLoadValidates(t *testing.T) {
	h := auth.Hash("x")
	entry := func(fields string) string { return `{"tokens":[{` + fields + `}]}` }
	for _, tc := range []struct {
		name, content, hint string
	}{
		{"unknown role", entry(`"name":"a","sha256":"` + h + `","role":"root"`), `role "root"`},
		{"reporter without a unit", entry(`"name":"a","sha256":"` + h + `","role":"reporter"`), "needs its unit"},
		{"reporter with a bad unit", entry(`"name":"a","sha256":"` + h + `","role":"reporter","unit":"1581"`), "not a unit code"},
		{"analyst with a unit", entry(`"name":"a","sha256":"` + h + `","role":"analyst","unit":"15814"`), "only reporters"},
		{"short hash", entry(`"name":"a","sha256":"abcd","role":"admin"`), "want 64 hex digits"},
		{"hash not hex", entry(`"name":"a","sha256":"` + strings.Repeat("z", 64) + `","role":"admin"`), "not hex"},
		{"bad expiry", entry(`"name":"a","sha256":"` + h + `","role":"admin","expires_at":"2025-08-01"`), "RFC 3339"},
		{"empty name", entry(`"name":" ","sha256":"` + h + `","role":"admin"`), "name is empty"},
		{"unknown member", entry(`"name":"a","sha256":"` + h + `","role":"admin","token":"x"`), "unknown field"},
		{"same name twice", `{"tokens":[{"name":"a","sha256":"` + h + `","role":"admin"},{"name":"a","sha256":"` + auth.Hash("y") + `","role":"admin"}]}`, "used twice"},
		{"same hash twice", `{"tokens":[{"name":"a","sha256":"` + h + `","role":"admin"},{"name":"b","sha256":"` + h + `","role":"admin"}]}`, "same hash"},
		{"not JSON", `tokens: []`, "not a valid token file"},
		{"trailing data", `{"tokens":[]} {}`, "after its JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := auth.Load(writeFile(t, tc.content))
			require.ErrorContains(t, err, tc.hint)
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := auth.Load(filepath.Join(t.TempDir(), "none.json"))
		require.ErrorIs(t, err, os.ErrNotExist)
	})
	t.Run("valid", func(t *testing.T) {
		s, err := auth.Load(writeFile(t, `{"tokens":[
			{"name":"xa-thieu-thanh","sha256":"`+strings.ToUpper(h)+`","role":"reporter","unit":"15814","expires_at":"2026-01-01T00:00:00+07:00"},
			{"name":"analyst","sha256":"`+auth.Hash("y")+`","role":"analyst","expires_at":""},
			{"name":"admin","sha256":"`+auth.Hash("z")+`","role":"admin"}]}`))
		require.NoError(t, err)
		require.Equal(t, 3, s.Len())
	})
}

func request(auth ...string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/api/v1/events", nil)
	for _, a := range auth {
		r.Header.Add("Authorization", a)
	}
	return r
}

func TestAuthenticate(t *testing.T) {
	reporter, rh := auth.NewToken()
	expired, eh := auth.NewToken()
	admin, ah := auth.NewToken()
	s, err := auth.NewStore([]auth.Entry{
		{Name: "xa-thieu-thanh", SHA256: rh, Role: auth.RoleReporter, Unit: "15814", ExpiresAt: "2025-08-01T16:00:01+07:00"},
		{Name: "old", SHA256: eh, Role: auth.RoleReporter, Unit: "398", ExpiresAt: "2025-08-01T16:00:00+07:00"},
		{Name: "so-tt", SHA256: ah, Role: auth.RoleAdmin},
	})
	require.NoError(t, err)
	unknown, _ := auth.NewToken()
	for _, tc := range []struct {
		name string
		req  *http.Request
		want auth.Principal
		err  error
	}{
		{"reporter", request("Bearer " + reporter), auth.Principal{Name: "xa-thieu-thanh", Role: "reporter", Unit: "15814"}, nil},
		{"scheme in lower case", request("bearer " + reporter), auth.Principal{Name: "xa-thieu-thanh", Role: "reporter", Unit: "15814"}, nil},
		{"admin without expiry", request("Bearer " + admin), auth.Principal{Name: "so-tt", Role: "admin"}, nil},
		{"no header", request(), auth.Principal{}, auth.ErrNoToken},
		{"basic scheme", request("Basic " + base64.StdEncoding.EncodeToString([]byte("u:"+reporter))), auth.Principal{}, auth.ErrMalformed},
		{"token without scheme", request(reporter), auth.Principal{}, auth.ErrMalformed},
		{"scheme without token", request("Bearer"), auth.Principal{}, auth.ErrMalformed},
		{"empty token", request("Bearer "), auth.Principal{}, auth.ErrMalformed},
		{"two spaces", request("Bearer  " + reporter), auth.Principal{}, auth.ErrMalformed},
		{"two headers", request("Bearer "+reporter, "Bearer "+admin), auth.Principal{}, auth.ErrMalformed},
		{"unknown token", request("Bearer " + unknown), auth.Principal{}, auth.ErrUnknownToken},
		{"the hash as the token", request("Bearer " + rh), auth.Principal{}, auth.ErrUnknownToken},
		{"expired at this instant", request("Bearer " + expired), auth.Principal{}, auth.ErrExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := s.Authenticate(tc.req, now)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				for _, other := range []error{auth.ErrNoToken, auth.ErrMalformed, auth.ErrUnknownToken, auth.ErrExpired} {
					if other != tc.err {
						require.NotErrorIs(t, err, other)
					}
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, p)
		})
	}
}

// TestAuthenticateManyTokens checks that every one of many stored hashes is found: the
// comparison goes through all of them, the first, the last and those in between. Authenticate
// compares with crypto/subtle (ConstantTimeCompare and ConstantTimeSelect over every entry, see
// its source), which no test can time reliably; what is checked here is the behaviour that
// design must keep: a match anywhere is found, and a token one character off matches nothing.
func TestAuthenticateManyTokens(t *testing.T) {
	const n = 2000
	toks := make([]string, n)
	entries := make([]auth.Entry, n)
	for i := range n {
		var h string
		toks[i], h = auth.NewToken()
		entries[i] = auth.Entry{Name: fmt.Sprintf("xa-%04d", i), SHA256: h, Role: auth.RoleReporter, Unit: "15814"}
	}
	s, err := auth.NewStore(entries)
	require.NoError(t, err)
	for _, i := range []int{0, 1, n / 2, n - 2, n - 1} {
		p, err := s.Authenticate(request("Bearer "+toks[i]), now)
		require.NoError(t, err)
		require.Equal(t, entries[i].Name, p.Name)
	}
	last := "A"
	if strings.HasSuffix(toks[0], last) {
		last = "B"
	}
	_, err = s.Authenticate(request("Bearer "+toks[0][:len(toks[0])-1]+last), now)
	require.ErrorIs(t, err, auth.ErrUnknownToken)
}

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, h := auth.NewToken()
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		require.NoError(t, err)
		require.Len(t, raw, 32)
		require.Equal(t, auth.Hash(tok), h)
		require.Len(t, h, 64)
		require.NotContains(t, h, tok)
		require.False(t, seen[tok])
		seen[tok] = true
	}
}

func TestAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "etc", "tokens.json")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	var issued []string
	for i, e := range []auth.Entry{
		{Name: "xa-thieu-thanh", Role: auth.RoleReporter, Unit: "15814"},
		{Name: "analyst", Role: auth.RoleAnalyst, ExpiresAt: "2026-01-01T00:00:00Z"},
	} {
		tok, h := auth.NewToken()
		e.SHA256 = h
		require.NoError(t, auth.Append(path, e))
		issued = append(issued, tok)
		st, err := os.Stat(path)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "after entry %d", i+1)
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, tok := range issued {
		// The file that grants access holds no usable secret: not the token, and not its
		// random bytes in another spelling.
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		require.NoError(t, err)
		for _, spelling := range []string{tok, hex.EncodeToString(raw), base64.StdEncoding.EncodeToString(raw), base64.RawStdEncoding.EncodeToString(raw)} {
			require.NotContains(t, string(data), spelling)
		}
		require.Contains(t, string(data), auth.Hash(tok))
	}
	t.Logf(`RELIABILITY {"section":"security","target":"token_file","tokens":%d,"plaintext_spellings_found":0}`, len(issued))
	s, err := auth.Load(path)
	require.NoError(t, err)
	require.Equal(t, 2, s.Len())
	p, err := s.Authenticate(request("Bearer "+issued[1]), now)
	require.NoError(t, err)
	require.Equal(t, auth.Principal{Name: "analyst", Role: "analyst"}, p)

	_, h := auth.NewToken()
	require.ErrorContains(t, auth.Append(path, auth.Entry{Name: "analyst", SHA256: h, Role: auth.RoleAdmin}), "used twice")
	require.ErrorContains(t, auth.Append(path, auth.Entry{Name: "x", SHA256: h, Role: auth.RoleReporter}), "needs its unit")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, data, after, "a refused entry leaves the file as it was")
	left, err := filepath.Glob(filepath.Join(filepath.Dir(path), "*.tmp"))
	require.NoError(t, err)
	require.Empty(t, left)
}

func TestEntriesAndRemove(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	_, err := auth.Entries(path)
	require.ErrorIs(t, err, os.ErrNotExist)
	tokens := map[string]string{}
	for _, e := range []auth.Entry{
		{Name: "xa-thieu-thanh", Role: auth.RoleReporter, Unit: "15814"},
		{Name: "analyst", Role: auth.RoleAnalyst, ExpiresAt: "2026-01-01T00:00:00Z"},
	} {
		tok, h := auth.NewToken()
		e.SHA256 = h
		require.NoError(t, auth.Append(path, e))
		tokens[e.Name] = tok
	}
	require.NoError(t, os.Chmod(path, 0o640))
	entries, err := auth.Entries(path)
	require.NoError(t, err)
	require.Len(t, entries, 2)
	require.Equal(t, "xa-thieu-thanh", entries[0].Name)
	require.Equal(t, "2026-01-01T00:00:00Z", entries[1].ExpiresAt)

	before, err := os.ReadFile(path)
	require.NoError(t, err)
	_, err = auth.Remove(path, "nobody")
	require.ErrorIs(t, err, auth.ErrNoSuchToken)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, before, after, "a name not in the file leaves it as it was")

	removed, err := auth.Remove(path, "xa-thieu-thanh")
	require.NoError(t, err)
	require.Equal(t, "15814", removed.Unit)
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o640), st.Mode().Perm(), "the file keeps its mode")
	s, err := auth.Load(path)
	require.NoError(t, err)
	_, err = s.Authenticate(request("Bearer "+tokens["xa-thieu-thanh"]), now)
	require.ErrorIs(t, err, auth.ErrUnknownToken, "a removed token is refused")
	_, err = s.Authenticate(request("Bearer "+tokens["analyst"]), now)
	require.NoError(t, err, "the others still work")

	_, err = auth.Remove(path, "analyst")
	require.NoError(t, err)
	entries, err = auth.Entries(path)
	require.NoError(t, err)
	require.Empty(t, entries)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.JSONEq(t, `{"tokens":[]}`, string(data))
	left, err := filepath.Glob(filepath.Join(filepath.Dir(path), "*.tmp"))
	require.NoError(t, err)
	require.Empty(t, left)
}
