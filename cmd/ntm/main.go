// Command ntm is the Thanh Hóa NTM data warehouse: it generates, validates and (as the project
// grows) ingests, queries and publishes the province's digital-transformation events.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
