package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/thanhhoa-ntm/ntm/auth"
)

func tokenCommand() command {
	return command{
		name:    "token",
		usage:   "--config FILE --name N --role reporter|analyst|admin [--unit CODE] [--expires RFC3339]",
		summary: "cấp mã truy cập cho cổng sự kiện / issue a bearer token for the event gateway (only its hash is stored)",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			path := fs.String("config", "", "token file (JSON) to append to; created with mode 0600 when missing")
			name := fs.String("name", "", "whose token it is, unique in the file (e.g. xa-thieu-thanh)")
			role := fs.String("role", "", "reporter (sends events for its unit and the units below it), analyst or admin")
			unit := fs.String("unit", "", "the reporter's unit code: 38, 3 digits, 5 digits or ddddd-ddd")
			expires := fs.String("expires", "", "RFC 3339 time after which the token is refused (default: never)")
			return func(ctx context.Context, e env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q; every value is given by a flag", args[0])
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
