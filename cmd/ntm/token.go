package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/thanhhoa-ntm/ntm/auth"
)

func tokenCommand() command {
	return command{
		name:    "token",
		usage:   "--config FILE --name N --role reporter|analyst|registry|admin [--unit CODE] [--expires RFC3339]\n       ntm token list --config FILE\n       ntm token revoke --config FILE --name N",
		summary: "cấp, liệt kê, thu hồi mã truy cập / issue, list or revoke bearer tokens (only their hashes are stored)",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			path := fs.String("config", "", "token file (JSON) to append to; created with mode 0600 when missing")
			name := fs.String("name", "", "whose token it is, unique in the file (e.g. xa-thieu-thanh)")
			role := fs.String("role", "", "reporter (sends events for its unit and the units below it), analyst or admin")
			unit := fs.String("unit", "", "the reporter's unit code: 38, 3 digits, 5 digits or ddddd-ddd")
			expires := fs.String("expires", "", "RFC 3339 time after which the token is refused (default: never)")
			return func(ctx context.Context, e env, args []string) error {
				if len(args) > 0 && (args[0] == "list" || args[0] == "revoke") {
					if len(args) > 1 {
						return usagef("unexpected argument %q; every value is given by a flag", args[1])
					}
					if *path == "" {
						return usagef("--config is required: the token file")
					}
					if args[0] == "list" {
						return listTokens(e, *path, time.Now())
					}
					return revokeToken(e, *path, *name)
				}
				if len(args) > 0 {
					return usagef("unexpected argument %q; every value is given by a flag (or say list or revoke)", args[0])
				}
				if *path == "" {
					return usagef("--config is required: the token file to append to")
				}
				if *name == "" {
					return usagef("--name is required: say whose token it is")
				}
				if *role == "" {
					return usagef("--role is required: one of %s", strings.Join(auth.Roles(), ", "))
				}
				if *expires != "" {
					at, err := time.Parse(time.RFC3339, *expires)
					if err != nil {
						return usagef("--expires %q is not an RFC 3339 time such as 2026-01-01T00:00:00+07:00", *expires)
					}
					if !at.After(time.Now()) {
						return usagef("--expires %s is already past; give a future time", *expires)
					}
				}
				token, hash := auth.NewToken()
				entry := auth.Entry{Name: *name, SHA256: hash, Role: *role, Unit: *unit, ExpiresAt: *expires}
				if err := entry.Validate(); err != nil {
					return usagef("%v", err)
				}
				if err := auth.Append(*path, entry); err != nil {
					return fmt.Errorf("add the token: %w", err)
				}
				who := *role
				if *unit != "" {
					who += ", " + *unit
				}
				fmt.Fprintf(e.stdout, "%s\n\n", token)
				fmt.Fprintf(e.stdout, "Mã truy cập của %s (%s) chỉ hiện một lần này; %s chỉ lưu mã băm SHA-256 của nó, hãy cất giữ mã an toàn.\n", *name, who, *path)
				fmt.Fprintf(e.stdout, "The token of %s (%s) is shown this once only; %s stores only its SHA-256 hash, so keep the token safe.\n", *name, who, *path)
				return nil
			}
		},
	}
}

// listTokens prints the token file's entries, which hold no secret: whose each token is, its
// role and unit, and whether it is still in force at now.
func listTokens(e env, path string, now time.Time) error {
	entries, err := auth.Entries(path)
	if err != nil {
		return err
	}
	rows := make([][]any, len(entries))
	for i, en := range entries {
		state := "hiệu lực / active"
		if en.ExpiresAt != "" {
			// Entries validated the expiry, so it parses.
			if at, err := time.Parse(time.RFC3339, en.ExpiresAt); err == nil && !now.Before(at) {
				state = "hết hạn / expired"
			}
		}
		rows[i] = []any{en.Name, en.Role, en.Unit, en.ExpiresAt, state}
	}
	return printTable(e.stdout, []string{"name", "role", "unit", "expires_at", "state"}, rows)
}

// revokeToken removes the token of name from the file. ntm serve reads the file when it starts,
// so the message says that a running server refuses the token only once restarted.
func revokeToken(e env, path, name string) error {
	if name == "" {
		return usagef("--name is required: the token to revoke (ntm token list shows the names)")
	}
	removed, err := auth.Remove(path, name)
	if errors.Is(err, auth.ErrNoSuchToken) {
		return fmt.Errorf("%w; ntm token list --config %s shows the names", err, path)
	}
	if err != nil {
		return fmt.Errorf("revoke the token: %w", err)
	}
	fmt.Fprintf(e.stdout, "Đã thu hồi mã truy cập của %s (%s) khỏi %s; ntm serve đọc tệp khi khởi động, hãy khởi động lại để áp dụng.\n", removed.Name, removed.Role, path)
	fmt.Fprintf(e.stdout, "Revoked the token of %s (%s) from %s; ntm serve reads the file when it starts, so restart it for the revocation to take effect.\n", removed.Name, removed.Role, path)
	return nil
}
