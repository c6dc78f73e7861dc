package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/thanhhoa-ntm/ntm/auth"
	"github.com/thanhhoa-ntm/ntm/warehouse"
	"github.com/thanhhoa-ntm/ntm/web"
	"github.com/thanhhoa-ntm/ntm/web/gateway"
)

// tokenRoles authenticates the SQL endpoint's callers with the token file.
type tokenRoles struct{ store *auth.Store }

func (t tokenRoles) Role(r *http.Request) (string, int, error) {
	p, err := t.store.Authenticate(r, time.Now())
	if err != nil {
		return "", http.StatusUnauthorized, err
	}
	return p.Role, 0, nil
}

func serveCommand() command {
	return command{
		name:    "serve",
		usage:   "--warehouse DIR --addr HOST:PORT [--opendata DIR] [--reports DIR] [--tokens FILE [--brokers B --topic T]]",
		summary: "bảng điều khiển, API, cổng sự kiện / the dashboard, API, event gateway, open data and ministry feed",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			dir := fs.String("warehouse", "", "warehouse directory")
			addr := fs.String("addr", "127.0.0.1:8080", "host:port to listen on")
			openData := fs.String("opendata", "", "published open data (ntm publish --out); default: opendata beside the warehouse, when present")
			reports := fs.String("reports", "", "ministry reports (ntm report --out); default: reports beside the warehouse, when present")
			tokenFile := fs.String("tokens", "", "bearer tokens (ntm token): enables POST /api/v1/sql and, with --brokers, the event gateway")
			brokers := fs.String("brokers", "", "Kafka brokers for the event gateway (POST /api/v1/events)")
			topic := fs.String("topic", "ntm.events.v1", "topic the gateway produces to")
			watch := fs.Duration("watch", 5*time.Second, "how often the dashboard's cached answers look for a new commit and refresh in the background (0: only when a request sees it)")
			return func(ctx context.Context, e env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				if *dir == "" {
					return usagef("--warehouse is required")
				}
				wh, err := warehouse.Open(ctx, *dir, false)
				if err != nil {
					return err
				}
				if err := refreshDBFile(ctx, wh); err != nil {
					wh.Close()
					return err
				}
				defer wh.Close()
				beside := func(flagValue, name string) string {
					if flagValue != "" {
						return flagValue
					}
					p := filepath.Join(filepath.Dir(wh.Dir()), name)
					if st, err := os.Stat(p); err == nil && st.IsDir() {
						return p
					}
					return ""
				}
				cfg := web.Config{Warehouse: wh, OpenData: beside(*openData, "opendata"),
					Reports: beside(*reports, "reports"), Log: e.log, Registry: prometheus.NewRegistry()}
				if *tokenFile != "" {
					store, err := auth.Load(*tokenFile)
					if err != nil {
						return fmt.Errorf("tokens: %w", err)
					}
					cfg.SQL = web.SQLHandler(web.SQLConfig{Warehouse: wh, Auth: tokenRoles{store}})
					if *brokers != "" {
						cl, err := gateway.NewClient(splitList(*brokers))
						if err != nil {
							return err
						}
						defer cl.Close()
						lookup, err := gateway.NewWarehouseLookup(wh)
						if err != nil {
							return err
						}
						defer lookup.Close()
						stats := &gateway.Stats{}
						cfg.Registry.MustRegister(web.GatewayCollector{Stats: stats})
						cfg.Events = gateway.Handler(gateway.Config{Tokens: store, Client: cl, Topic: *topic, Log: e.log, Stats: stats, Lookup: lookup})
					}
				} else if *brokers != "" {
					return usagef("the event gateway needs --tokens (create them with ntm token)")
				}
				srv := web.New(cfg)
				ln, err := net.Listen("tcp", *addr)
				if err != nil {
					return fmt.Errorf("listen on %s: %w: choose another --addr", *addr, err)
				}
				hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second,
					ReadTimeout: 60 * time.Second, WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second,
					MaxHeaderBytes: 64 << 10}
				defer srv.Close()
				go srv.Warm(ctx)
				if *watch > 0 {
					go srv.Watch(ctx, *watch)
				}
				e.log.Info("serving", "addr", ln.Addr().String())
				fmt.Fprintf(e.stdout, "Bảng điều khiển / dashboard: http://%s/\n", ln.Addr())
				errc := make(chan error, 1)
				go func() { errc <- hs.Serve(ln) }()
				select {
				case <-ctx.Done():
					sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					return hs.Shutdown(sctx)
				case err := <-errc:
					if errors.Is(err, http.ErrServerClosed) {
						return nil
					}
					return err
				}
			}
		},
	}
}
