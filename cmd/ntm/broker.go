package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"syscall"

	"github.com/thanhhoa-ntm/ntm/etl/kafkaio"
)

func brokerCommand() command {
	return command{
		name:    "broker",
		usage:   "[--addr HOST:PORT] [--partitions N] [--data DIR]",
		summary: "chạy broker Kafka để phát triển / run a development Kafka-protocol broker until Ctrl-C",
		flags: func(fs *flag.FlagSet) func(context.Context, env, []string) error {
			addr := fs.String("addr", "127.0.0.1:9092", "host:port to listen on; port 0 picks a free port, host 0.0.0.0 every interface")
			partitions := fs.Int("partitions", kafkaio.DefaultPartitions, "partitions of "+kafkaio.DefaultTopic+" and of topics created on first use")
			data := fs.String("data", "", "keep the log in this directory across restarts (default: in memory, gone at exit)")
			return func(ctx context.Context, e env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q; flags come before it", args[0])
				}
				if _, _, err := net.SplitHostPort(*addr); err != nil {
					return usagef("--addr %q is not HOST:PORT (e.g. 127.0.0.1:9092)", *addr)
				}
				if *partitions < 1 {
					return usagef("--partitions %d: give at least 1", *partitions)
				}
				b, err := kafkaio.StartBroker(ctx, kafkaio.BrokerConfig{
					Addr: *addr, Partitions: *partitions, DataDir: *data, Logger: e.log,
				})
				if errors.Is(err, syscall.EADDRINUSE) {
					return fmt.Errorf("%w: choose another --addr, or stop what listens there", err)
				}
				if err != nil {
					return err
				}
				storage := "memory"
				if *data != "" {
					storage = *data
				}
				e.log.Info("broker listening", "addr", b.Addr(), "topic", kafkaio.DefaultTopic,
					"partitions", *partitions, "storage", storage)
				fmt.Fprintf(e.stdout, "broker listening on %s / đang lắng nghe tại %s (Ctrl-C to stop / Ctrl-C để dừng)\n",
					b.Addr(), b.Addr())
				// The broker runs until the signal-aware context ends, the normal way to stop
				// it; Close then saves the log when it is kept on disk.
				<-ctx.Done()
				b.Close()
				e.log.Info("broker stopped", "addr", b.Addr())
				return nil
			}
		},
	}
}
