// Package kafkaio moves events between NDJSON and Kafka: a development Kafka-protocol broker
// for tests and demos (built on franz-go's kfake), and a producer that sends each line of an
// NDJSON stream as one record, unchanged, keyed by the event's unit_code.
//
// The producer is a transport, not a judge: invalid lines reach the topic like valid ones,
// because the consumer owns rejection and must see them to put them in its dead letters.
package kafkaio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/thanhhoa-ntm/ntm/events"
)

// DefaultTopic is the topic of the event contract, events.DefaultTopic.
const DefaultTopic = events.DefaultTopic

// DefaultPartitions is the partition count of the seed topic and of auto-created topics.
const DefaultPartitions = 6

// DefaultBrokerMaxMessageBytes is the development broker's message.max.bytes: the largest
// record batch, after compression, it accepts. It is well above the contract's 1 MiB event
// limit on purpose: an over-large event must travel to the consumer, which rejects it as
// too_large with its bytes and its origin, instead of vanishing at the broker where no dead
// letter records it. 8 MiB leaves room for the producer's 4 MiB batches
// (DefaultMaxRecordBytes) with any framing overhead.
const DefaultBrokerMaxMessageBytes = 8 << 20

// BrokerConfig says how to run the development broker.
type BrokerConfig struct {
	// Addr is the host:port to listen on; port 0 picks a free port. The default is
	// 127.0.0.1:0. A host of 0.0.0.0 or :: listens on every interface.
	Addr string
	// Partitions is the partition count of the seed topic and of topics created on first
	// use; the default is DefaultPartitions.
	Partitions int
	// DataDir, when set, keeps the log on disk there, so that a broker restarted with the
	// same directory serves everything it acknowledged before. Without it the log lives in
	// memory and ends with the broker.
	DataDir string
	// MaxMessageBytes is the broker's message.max.bytes; the default is
	// DefaultBrokerMaxMessageBytes.
	MaxMessageBytes int
	// Topics are created at start (when not already in DataDir); the default is
	// DefaultTopic.
	Topics []string
	// Logger receives the broker's warnings and errors; nil discards them.
	Logger *slog.Logger
}

// Broker is a running single-node development broker. Real deployments use a real Kafka
// cluster; this one speaks the same protocol for tests, demos and a laptop.
type Broker struct {
	cluster *kfake.Cluster
	addr    string
	once    sync.Once
}

// StartBroker starts a broker and returns once it accepts connections. It runs until Close
// is called or ctx is done, whichever comes first.
func StartBroker(ctx context.Context, cfg BrokerConfig) (*Broker, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Partitions == 0 {
		cfg.Partitions = DefaultPartitions
	}
	if cfg.Partitions < 1 {
		return nil, fmt.Errorf("partitions %d: need at least 1", cfg.Partitions)
	}
	if cfg.MaxMessageBytes == 0 {
		cfg.MaxMessageBytes = DefaultBrokerMaxMessageBytes
	}
	if len(cfg.Topics) == 0 {
		cfg.Topics = []string{DefaultTopic}
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", cfg.Addr, err)
	}
	// kfake always listens on 127.0.0.1 with the port it is given; its ListenFn hook lets
	// us bind the host asked for instead.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	var l net.Listener = ln
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		// The broker advertises its listener's address in metadata, and clients connect
		// to what it advertises. A wildcard address is not one to connect to, so the
		// broker advertises loopback: local clients work, and a remote client should be
		// given a broker bound to a host address it can reach.
		port := ln.Addr().(*net.TCPAddr).Port
		l = advertised{Listener: ln, addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}}
	}
	used := false
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.ListenFn(func(string, string) (net.Listener, error) {
			if used {
				return nil, errors.New("BUG: kfake asked for a second listener")
			}
			used = true
			return l, nil
		}),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(cfg.Partitions),
		kfake.SeedTopics(int32(cfg.Partitions), cfg.Topics...),
		kfake.BrokerConfigs(map[string]string{
			"message.max.bytes": strconv.Itoa(cfg.MaxMessageBytes),
		}),
	}
	if cfg.Logger != nil {
		opts = append(opts, kfake.WithLogger(slogLogger{cfg.Logger}))
	}
	if cfg.DataDir != "" {
		// SyncWrites fsyncs every batch before the broker acknowledges it, so a record
		// the producer saw acknowledged survives a crash of the broker, not only a clean
		// Close: acks mean the same thing as on a real cluster.
		opts = append(opts, kfake.DataDir(cfg.DataDir), kfake.SyncWrites())
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("start the broker: %w", err)
	}
	if cfg.DataDir != "" {
		persistAutoCreatedTopics(c, cfg.Partitions)
	}
	b := &Broker{cluster: c, addr: l.Addr().String()}
	context.AfterFunc(ctx, b.Close)
	return b, nil
}

// Addr is the address the broker listens on and advertises, for clients to bootstrap from.
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker and, with a DataDir, saves its state. It returns when that is done,
// also to callers that race with another Close, and may be called more than once.
func (b *Broker) Close() {
	b.once.Do(b.cluster.Close)
}

// persistAutoCreatedTopics makes a topic created on first use as durable as its records.
// kfake writes records to disk as they come, but records a topic it creates on a metadata
// request only when it closes cleanly: after a crash the topic, and so everything produced
// to it, would be gone. Creating such a topic through the cluster's CreateTopic, which
// records it at once, just before kfake would have, closes that gap.
func persistAutoCreatedTopics(c *kfake.Cluster, partitions int) {
	c.ControlKey(int16(kmsg.Metadata), func(req kmsg.Request) (kmsg.Response, error, bool) {
		m, ok := req.(*kmsg.MetadataRequest)
		if !ok || !m.AllowAutoTopicCreation {
			return nil, nil, false
		}
		for _, t := range m.Topics {
			if t.Topic != nil && c.TopicInfo(*t.Topic) == nil {
				// An error (an invalid name) leaves the request to kfake, which answers it.
				_ = c.CreateTopic(*t.Topic, int32(partitions), nil)
			}
		}
		// Not handled: kfake answers the request as usual, and keeps this function.
		return nil, nil, false
	})
}

// advertised is a listener that reports another address than the one it is bound to.
type advertised struct {
	net.Listener
	addr net.Addr
}

func (a advertised) Addr() net.Addr { return a.addr }

// slogLogger passes kfake's warnings and errors to slog; its info and debug logs describe
// every request and would drown the broker's own log.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	switch level {
	case kfake.LogLevelError:
		s.l.Error(fmt.Sprintf(format, args...), "component", "kfake")
	case kfake.LogLevelWarn:
		s.l.Warn(fmt.Sprintf(format, args...), "component", "kfake")
	}
}
