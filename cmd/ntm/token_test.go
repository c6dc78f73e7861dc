package main

import (
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

func TestTokenCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	issue := func(args ...string) string {
		t.Helper()
		code, out, stderr := ntm(t, "", append([]string{"token", "--config", path}, args...)...)
		require.Equal(t, exitOK, code, stderr)
		lines := strings.Split(out, "\n")
		require.GreaterOrEqual(t, len(lines), 3)
		require.Contains(t, out, "chỉ lưu mã băm SHA-256")
		require.Contains(t, out, "stores only its SHA-256 hash")
		require.Equal(t, 1, strings.Count(out, lines[0]), "the token is printed once")
		return lines[0]
	}
	reporter := issue("--name", "xa-thieu-thanh", "--role", "reporter", "--unit", "15814")
	t.Setenv("NTM_ROLE", "admin")
	admin := issue("--name", "so-tt", "--expires", "2099-01-01T00:00:00+07:00")
	require.NotEqual(t, reporter, admin)

	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, tok := range []string{reporter, admin} {
		require.NotContains(t, string(data), tok, "the file holds no token")
		require.Contains(t, string(data), auth.Hash(tok), "only its hash")
	}

	store, err := auth.Load(path)
	require.NoError(t, err)
	for tok, want := range map[string]auth.Principal{
		reporter: {Name: "xa-thieu-thanh", Role: "reporter", Unit: "15814"},
		admin:    {Name: "so-tt", Role: "admin"},
	} {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/events", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		p, err := store.Authenticate(r, time.Now())
		require.NoError(t, err)
		require.Equal(t, want, p)
	}

	code, out, stderr := ntm(t, "", "token", "--config", path, "--name", "so-tt", "--role", "admin")
	require.Equal(t, exitFailure, code)
	require.Empty(t, out, "no token is shown when none was stored")
	require.Contains(t, stderr, "used twice")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, data, after)

	// The list names whose each token is, and holds no secret: neither tokens nor hashes.
	code, out, stderr = ntm(t, "", "token", "list", "--config", path)
	require.Equal(t, exitOK, code, stderr)
	require.Regexp(t, `(?m)^xa-thieu-thanh +reporter +15814 +hiệu lực / active$`, out)
	require.Regexp(t, `(?m)^so-tt +admin +2099-01-01T00:00:00\+07:00 +hiệu lực / active$`, out)
	require.Contains(t, out, "(2 rows)")
	for _, tok := range []string{reporter, admin} {
		require.NotContains(t, out, tok)
		require.NotContains(t, out, auth.Hash(tok))
	}

	// Revoking one token removes it from the file; the other still works.
	code, out, stderr = ntm(t, "", "token", "revoke", "--config", path, "--name", "xa-thieu-thanh")
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, out, "Revoked the token of xa-thieu-thanh (reporter)")
	require.Contains(t, out, "restart it")
	require.Contains(t, out, "Đã thu hồi mã truy cập của xa-thieu-thanh")
	store, err = auth.Load(path)
	require.NoError(t, err)
	for tok, want := range map[string]error{reporter: auth.ErrUnknownToken, admin: nil} {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/events", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		_, err := store.Authenticate(r, time.Now())
		if want == nil {
			require.NoError(t, err)
		} else {
			require.ErrorIs(t, err, want)
		}
	}
	code, _, stderr = ntm(t, "", "token", "revoke", "--config", path, "--name", "xa-thieu-thanh")
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, "no token of that name")
	require.Contains(t, stderr, "ntm token list --config")
	code, out, stderr = ntm(t, "", "token", "list", "--config", path)
	require.Equal(t, exitOK, code, stderr)
	require.NotContains(t, out, "xa-thieu-thanh")
	require.Contains(t, out, "(1 rows)")
}

// An expired token is listed as expired.
func TestTokenListSaysExpired(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	_, h := auth.NewToken()
	require.NoError(t, auth.Append(path, auth.Entry{Name: "old", SHA256: h, Role: auth.RoleAnalyst, ExpiresAt: "2020-01-01T00:00:00Z"}))
	var b strings.Builder
	require.NoError(t, listTokens(env{stdout: &b}, path, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)))
	require.Regexp(t, `(?m)^old +analyst +2020-01-01T00:00:00Z +hết hạn / expired$`, b.String())
}

func TestTokenCommandUsageErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	for _, tc := range []struct {
		name string
		args []string
		hint string
	}{
		{"no config", []string{"--name", "a", "--role", "admin"}, "--config is required"},
		{"no name", []string{"--config", path, "--role", "admin"}, "--name is required"},
		{"no role", []string{"--config", path, "--name", "a"}, "--role is required"},
		{"unknown role", []string{"--config", path, "--name", "a", "--role", "root"}, `role "root"`},
		{"reporter without a unit", []string{"--config", path, "--name", "a", "--role", "reporter"}, "needs its unit"},
		{"reporter with a bad unit", []string{"--config", path, "--name", "a", "--role", "reporter", "--unit", "thieu-thanh"}, "not a unit code"},
		{"analyst with a unit", []string{"--config", path, "--name", "a", "--role", "analyst", "--unit", "15814"}, "only reporters"},
		{"bad expiry", []string{"--config", path, "--name", "a", "--role", "admin", "--expires", "tomorrow"}, "RFC 3339"},
		{"past expiry", []string{"--config", path, "--name", "a", "--role", "admin", "--expires", "2020-01-01T00:00:00Z"}, "already past"},
		{"argument", []string{"--config", path, "--name", "a", "--role", "admin", "extra"}, "unexpected argument"},
		{"list without config", []string{"list"}, "--config is required"},
		{"list with an argument", []string{"list", "extra", "--config", path}, `unexpected argument "extra"`},
		{"revoke without name", []string{"revoke", "--config", path}, "--name is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := ntm(t, "", append([]string{"token"}, tc.args...)...)
			require.Equal(t, exitUsage, code, stderr)
			require.Empty(t, out)
			require.Contains(t, stderr, tc.hint)
		})
	}
	_, err := os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist, "no file is created on bad usage")
}
