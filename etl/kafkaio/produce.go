package kafkaio

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/ndjson"
)

// DefaultMaxRecordBytes is the largest record batch the producer builds, counted before
// compression, and so the largest line it can send. The contract rejects events over 1 MiB,
// but the consumer must receive them to reject them (as too_large, into its dead letters):
// 4 MiB lets lines well past the limit through. A broker whose own limit is lower wins (see
// ProduceOptions.MaxRecordBytes).
const DefaultMaxRecordBytes = 4 << 20

// Defaults of ProduceOptions.
const (
	DefaultLinger             = 5 * time.Millisecond
	DefaultMaxBufferedBytes   = 64 << 20
	DefaultMaxBufferedRecords = 200_000
	DefaultDeliveryTimeout    = time.Minute
	DefaultConnectTimeout     = 10 * time.Second
	DefaultProgressInterval   = time.Second
	DefaultMaxLineErrors      = 1000
)

// retryBytesCap bounds the bytes of records held for a second, solo attempt (see
// producer.done). Past it, a batch victim is reported refused rather than held in memory.
const retryBytesCap = 64 << 20

// slabSize is the size of the buffers lines are copied into: one allocation for hundreds of
// records instead of one each. A slab lives as long as any record in it is unacknowledged.
const slabSize = 256 << 10

// ProduceOptions tune Produce. The zero value is ready to use.
type ProduceOptions struct {
	// MaxRecordBytes caps a record batch before compression, and so the largest line sent;
	// the default is DefaultMaxRecordBytes. Produce lowers it to the broker's limit (the
	// topic's max.message.bytes, else the broker's message.max.bytes) when it can read
	// that limit, so that a line too large for the broker is refused alone, by line, and
	// never takes a batch of good lines down with it. The cap counts bytes before
	// compression, as Kafka's own producer does, while a broker counts them after: a line
	// over the broker's limit is refused even when it would have compressed under it.
	MaxRecordBytes int32
	// Linger is how long a partition's batch waits to fill before it is sent.
	Linger time.Duration
	// MaxBufferedBytes and MaxBufferedRecords bound what waits in memory for the broker;
	// reading the input pauses while they are reached.
	MaxBufferedBytes   int
	MaxBufferedRecords int
	// DeliveryTimeout is how long a record may wait for the broker before Produce gives
	// up with an error: an unreachable broker is retried until then.
	DeliveryTimeout time.Duration
	// ConnectTimeout bounds the first contact with the brokers.
	ConnectTimeout time.Duration
	// Progress, when set, is called about every ProgressInterval with the counts so far
	// (LineErrors left empty). It is called from another goroutine than Produce's, never
	// concurrently with itself, and never after Produce returns.
	Progress         func(ProduceStats)
	ProgressInterval time.Duration
	// MaxLineErrors bounds how many refused lines ProduceStats.LineErrors lists; the rest
	// are only counted.
	MaxLineErrors int
	// ClientOpts are added to the Kafka client's options, after Produce's own, for what a
	// real cluster needs (TLS, SASL).
	ClientOpts []kgo.Opt
	// Logger receives the Kafka client's warnings and errors; nil discards them.
	Logger *slog.Logger

	// skipDiscovery leaves the cap at MaxRecordBytes, for tests of the solo retry.
	skipDiscovery bool
}

// ProduceStats counts what Produce did.
type ProduceStats struct {
	Lines   int64 // non-blank lines read, each one a record
	Acked   int64 // records the broker acknowledged
	Bytes   int64 // bytes of the acknowledged records' values
	Refused int64 // lines the broker (or its limits) refused
	// LineErrors are the first refused lines (up to MaxLineErrors), by line number.
	LineErrors []LineError
	// RecordLimit is the largest batch the producer built: MaxRecordBytes, or the broker's
	// limit when lower.
	RecordLimit int32
	Elapsed     time.Duration
}

// RecordsPerSecond is the rate of acknowledged records over the elapsed time.
func (s ProduceStats) RecordsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Acked) / s.Elapsed.Seconds()
}

// LineError is a line the broker refused, and why.
type LineError struct {
	Line int // 1-based, counting blank lines as the NDJSON reader does
	Err  error
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

func (e LineError) Unwrap() error { return e.Err }

// Produce sends each non-blank line of the NDJSON stream r to topic, as is, one record per
// line, keyed by the line's top-level unit_code (no key when the line is not a JSON object
// with a string unit_code). It does not validate: the consumer owns rejection.
//
// Records are zstd-compressed, acknowledged by all in-sync replicas, and sent by an
// idempotent producer, so a retry never writes a record twice. A line the broker refuses
// (too large for its limit, or otherwise invalid to it) is counted and listed in the stats
// while the other lines keep flowing; Produce returns an error only for what stops the
// whole stream: ctx done, the brokers unreachable past DeliveryTimeout, a read error.
//
// Lines are read on a goroutine of their own. When ctx is done Produce returns without
// waiting for a Read on r that blocks; that goroutine ends when the Read returns.
func Produce(ctx context.Context, brokers []string, topic string, r io.Reader, opts ProduceOptions) (ProduceStats, error) {
	start := time.Now()
	opts = opts.withDefaults()
	if len(brokers) == 0 {
		return ProduceStats{}, errors.New("no brokers to produce to")
	}
	if topic == "" {
		return ProduceStats{}, errors.New("no topic to produce to")
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	p := &producer{topic: topic, opts: opts, cancel: cancel}
	p.limit.Store(opts.MaxRecordBytes)
	p.limitSource = "the producer's maximum record size"

	cl, err := kgo.NewClient(p.clientOpts(brokers)...)
	if err != nil {
		return ProduceStats{}, fmt.Errorf("configure the Kafka client: %w", err)
	}
	p.cl = cl
	if err := p.discoverLimit(ctx); err != nil {
		cl.Close()
		return p.stats(start), err
	}

	if opts.Progress != nil {
		stop := make(chan struct{})
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			t := time.NewTicker(opts.ProgressInterval)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					opts.Progress(p.progress(start))
				}
			}
		}()
		defer func() {
			close(stop)
			<-stopped
		}()
	}

	// The input is read on its own goroutine so that Produce returns when ctx is done even
	// while a Read blocks (standard input from a terminal): that goroutine then ends when
	// its Read returns, and produces nothing more.
	readDone := make(chan error, 1)
	go func() { readDone <- p.produceAll(ctx, r) }()
	select {
	case err = <-readDone:
	case <-ctx.Done():
		p.sendMu.Lock()
		p.stopped = true
		p.sendMu.Unlock()
	}
	if err == nil && ctx.Err() == nil {
		// Flush returns once every record is acknowledged or failed, so the retry list is
		// complete after it.
		if cl.Flush(ctx) == nil {
			err = p.retrySolo(ctx)
		}
	}
	// Closing fails whatever is still buffered (after an error) and runs every promise.
	cl.Close()
	p.pending.Wait()

	st := p.stats(start)
	if err == nil {
		err = context.Cause(ctx)
	}
	return st, err
}

func (o ProduceOptions) withDefaults() ProduceOptions {
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if o.Linger <= 0 {
		o.Linger = DefaultLinger
	}
	if o.MaxBufferedBytes <= 0 {
		o.MaxBufferedBytes = DefaultMaxBufferedBytes
	}
	// A record larger than the buffer could never be buffered.
	o.MaxBufferedBytes = max(o.MaxBufferedBytes, 2*int(o.MaxRecordBytes))
	if o.MaxBufferedRecords <= 0 {
		o.MaxBufferedRecords = DefaultMaxBufferedRecords
	}
	if o.DeliveryTimeout <= 0 {
		o.DeliveryTimeout = DefaultDeliveryTimeout
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = DefaultProgressInterval
	}
	if o.MaxLineErrors <= 0 {
		o.MaxLineErrors = DefaultMaxLineErrors
	}
	return o
}

// producer is the state of one Produce call.
type producer struct {
	cl     *kgo.Client
	topic  string
	opts   ProduceOptions
	cancel context.CancelCauseFunc

	// limit is the batch cap in bytes; the client reads it when it first meets a partition.
	limit atomic.Int32
	// limitSource names where limit comes from, for messages; set before producing.
	limitSource string

	lines, acked, bytes, refused atomic.Int64
	pending                      sync.WaitGroup // records whose promise has not run yet

	// sendMu is held by the reading goroutine while it hands a record to the client, and
	// stopped tells it that Produce has stopped taking records, so that no record is
	// produced while or after the client closes.
	sendMu  sync.RWMutex
	stopped bool

	mu         sync.Mutex
	lineErrs   []LineError
	retry      []retryRecord
	retryBytes int
}

// retryRecord is a record refused as part of a batch too large for the broker, to send again
// alone (see done).
type retryRecord struct {
	line       int
	key, value []byte
}

func (p *producer) clientOpts(brokers []string) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.DefaultProduceTopic(p.topic),
		// Topics are created on first use where the broker allows it, as the development
		// broker does.
		kgo.AllowAutoTopicCreation(),
		// JSON events compress about tenfold with zstd; its fastest level saves no time
		// measurable on them, so the default level stays.
		kgo.ProducerBatchCompression(kgo.ZstdCompression()),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(p.opts.Linger),
		kgo.ProducerBatchMaxBytesFn(func(string) int32 { return p.limit.Load() }),
		kgo.MaxBufferedBytes(p.opts.MaxBufferedBytes),
		kgo.MaxBufferedRecords(p.opts.MaxBufferedRecords),
		kgo.RecordDeliveryTimeout(p.opts.DeliveryTimeout),
	}
	if p.opts.Logger != nil {
		opts = append(opts, kgo.WithLogger(kgoLogger{p.opts.Logger}))
	}
	return append(opts, p.opts.ClientOpts...)
}

// discoverLimit asks the brokers for the largest batch they accept on the topic and lowers
// the producer's cap to it. It is also the first contact: an unreachable broker is an error
// here. A broker that will not tell its limit (no permission to describe configs) is not:
// Produce then keeps MaxRecordBytes and relies on the solo retry in done.
func (p *producer) discoverLimit(ctx context.Context) error {
	if p.opts.skipDiscovery {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, p.opts.ConnectTimeout)
	defer cancel()
	meta := kmsg.NewPtrMetadataRequest()
	mt := kmsg.NewMetadataRequestTopic()
	mt.Topic = kmsg.StringPtr(p.topic)
	meta.Topics = append(meta.Topics, mt)
	mresp, err := meta.RequestWith(ctx, p.cl)
	if err != nil {
		return fmt.Errorf("reach the brokers: %w", err)
	}
	if len(mresp.Brokers) == 0 {
		return errors.New("reach the brokers: the cluster lists no broker")
	}
	topicExists := len(mresp.Topics) == 1 && mresp.Topics[0].ErrorCode == 0

	req := kmsg.NewPtrDescribeConfigsRequest()
	br := kmsg.NewDescribeConfigsRequestResource()
	br.ResourceType = kmsg.ConfigResourceTypeBroker
	br.ResourceName = strconv.Itoa(int(mresp.Brokers[0].NodeID))
	br.ConfigNames = []string{"message.max.bytes"}
	req.Resources = append(req.Resources, br)
	if topicExists {
		tr := kmsg.NewDescribeConfigsRequestResource()
		tr.ResourceType = kmsg.ConfigResourceTypeTopic
		tr.ResourceName = p.topic
		tr.ConfigNames = []string{"max.message.bytes"}
		req.Resources = append(req.Resources, tr)
	}
	resp, err := req.RequestWith(ctx, p.cl)
	if err != nil {
		p.logWarn("cannot read the broker's message size limit; keeping the producer's own", "err", err)
		return nil
	}
	var brokerLimit, topicLimit int64
	for _, res := range resp.Resources {
		if err := kerr.ErrorForCode(res.ErrorCode); err != nil {
			p.logWarn("cannot read the broker's message size limit; keeping the producer's own",
				"resource", res.ResourceName, "err", err)
			continue
		}
		for _, c := range res.Configs {
			if c.Value == nil {
				continue
			}
			n, err := strconv.ParseInt(*c.Value, 10, 64)
			if err != nil || n <= 0 {
				continue
			}
			switch {
			case res.ResourceType == kmsg.ConfigResourceTypeBroker && c.Name == "message.max.bytes":
				brokerLimit = n
			// A topic's own max.message.bytes overrides the broker's; without an override
			// the topic reports a default, which the broker's value stands for.
			case res.ResourceType == kmsg.ConfigResourceTypeTopic && c.Name == "max.message.bytes" &&
				c.Source == kmsg.ConfigSourceDynamicTopicConfig:
				topicLimit = n
			}
		}
	}
	limit, source := brokerLimit, "the broker's message.max.bytes"
	if topicLimit > 0 {
		limit, source = topicLimit, "the topic's max.message.bytes"
	}
	if limit > 0 && limit < int64(p.opts.MaxRecordBytes) {
		// kgo refuses caps under 512 bytes; such a broker refuses every event anyway.
		p.limit.Store(int32(max(limit, 512)))
		p.limitSource = source
	}
	return nil
}

// produceAll reads r to its end and hands every line to the client. It returns a read error
// only; failures of records arrive in done.
func (p *producer) produceAll(ctx context.Context, r io.Reader) error {
	rd := ndjson.NewReader(r)
	var slab []byte
	for ctx.Err() == nil {
		line, n, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read the events: %w", err)
		}
		// The client holds a record until the broker acknowledges it, and the reader
		// reuses its line buffer, so each line is copied: small ones into a shared slab.
		var value []byte
		if len(line) > slabSize/8 {
			value = append([]byte(nil), line...)
		} else {
			if cap(slab)-len(slab) < len(line) {
				slab = make([]byte, 0, slabSize)
			}
			i := len(slab)
			slab = append(slab, line...)
			value = slab[i:len(slab):len(slab)]
		}
		rec := &kgo.Record{Topic: p.topic, Key: events.PartitionKey(value), Value: value}
		if !p.send(ctx, rec, n) {
			return nil
		}
	}
	return nil
}

// send hands one record to the client, unless Produce has stopped taking records. Produce
// blocks while the client's buffer is full, and returns when ctx is done.
func (p *producer) send(ctx context.Context, rec *kgo.Record, line int) bool {
	p.sendMu.RLock()
	defer p.sendMu.RUnlock()
	if p.stopped {
		return false
	}
	p.lines.Add(1)
	p.pending.Add(1)
	p.cl.Produce(ctx, rec, func(r *kgo.Record, err error) { p.done(r, line, err) })
	return true
}

// done is the promise of one record.
func (p *producer) done(r *kgo.Record, line int, err error) {
	defer p.pending.Done()
	switch {
	case err == nil:
		p.acked.Add(1)
		p.bytes.Add(int64(len(r.Value)))
	case errors.Is(err, kerr.MessageTooLarge) || errors.Is(err, kerr.RecordListTooLarge):
		// The broker judges a whole batch: one line too large for it fails the good lines
		// batched with it. Each is sent again alone after the stream, where only a line
		// too large on its own is refused. With the limit read from the broker this does
		// not happen, since no batch outgrows it; it is the fallback for when it cannot be
		// read.
		p.mu.Lock()
		if p.retryBytes+len(r.Value) <= retryBytesCap {
			p.retry = append(p.retry, retryRecord{line: line, key: r.Key, value: r.Value})
			p.retryBytes += len(r.Value)
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		p.refuse(line, len(r.Value), err)
	case refusal(err):
		p.refuse(line, len(r.Value), err)
	default:
		// Anything else stops the stream: the first such error is the one Produce returns,
		// and the records failed by the stop that follows add nothing to it.
		p.cancel(fmt.Errorf("produce line %d: %w", line, err))
	}
}

// retrySolo sends each batch victim alone, in line order, once the stream is flushed.
func (p *producer) retrySolo(ctx context.Context) error {
	p.mu.Lock()
	retry := p.retry
	p.retry, p.retryBytes = nil, 0
	p.mu.Unlock()
	slices.SortFunc(retry, func(a, b retryRecord) int { return cmp.Compare(a.line, b.line) })
	for _, rr := range retry {
		// Nothing else is buffered, so the record is a batch of its own.
		rec := &kgo.Record{Topic: p.topic, Key: rr.key, Value: rr.value}
		err := p.cl.ProduceSync(ctx, rec).FirstErr()
		switch {
		case err == nil:
			p.acked.Add(1)
			p.bytes.Add(int64(len(rr.value)))
		case refusal(err):
			p.refuse(rr.line, len(rr.value), err)
		default:
			return fmt.Errorf("produce line %d: %w", rr.line, err)
		}
	}
	return nil
}

// refusal says whether err is the broker refusing one record (or its batch) for what it
// holds, as opposed to a failure of the brokers or the connection.
func refusal(err error) bool {
	for _, e := range []error{kerr.MessageTooLarge, kerr.RecordListTooLarge, kerr.InvalidRecord,
		kerr.CorruptMessage, kerr.InvalidTimestamp} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func (p *producer) refuse(line, size int, err error) {
	p.refused.Add(1)
	if errors.Is(err, kerr.MessageTooLarge) || errors.Is(err, kerr.RecordListTooLarge) {
		// kgo counts a record with its framing, so one a little under the limit may
		// not fit either; one far under it was refused by the broker, whose limit
		// Produce could not read.
		if limit := int(p.limit.Load()); size > limit-limit/64 {
			err = fmt.Errorf("the record of %d bytes does not fit the limit of %d bytes (%s): %w", size, limit, p.limitSource, err)
		} else {
			err = fmt.Errorf("the broker refused the record of %d bytes as too large: %w", size, err)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// The list keeps the lowest line numbers: promises finish out of line order.
	p.lineErrs = append(p.lineErrs, LineError{Line: line, Err: err})
	if len(p.lineErrs) >= 2*p.opts.MaxLineErrors {
		p.trimLineErrs()
	}
}

func (p *producer) trimLineErrs() {
	slices.SortFunc(p.lineErrs, func(a, b LineError) int { return cmp.Compare(a.Line, b.Line) })
	if len(p.lineErrs) > p.opts.MaxLineErrors {
		p.lineErrs = slices.Clip(p.lineErrs[:p.opts.MaxLineErrors])
	}
}

func (p *producer) progress(start time.Time) ProduceStats {
	return ProduceStats{
		Lines: p.lines.Load(), Acked: p.acked.Load(), Bytes: p.bytes.Load(), Refused: p.refused.Load(),
		RecordLimit: p.limit.Load(), Elapsed: time.Since(start),
	}
}

func (p *producer) stats(start time.Time) ProduceStats {
	st := p.progress(start)
	p.mu.Lock()
	p.trimLineErrs()
	st.LineErrors = slices.Clone(p.lineErrs)
	p.mu.Unlock()
	return st
}

func (p *producer) logWarn(msg string, args ...any) {
	if p.opts.Logger != nil {
		p.opts.Logger.Warn(msg, args...)
	}
}

// kgoLogger passes the Kafka client's warnings and errors to slog.
type kgoLogger struct{ l *slog.Logger }

func (k kgoLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (k kgoLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	switch level {
	case kgo.LogLevelError:
		k.l.Error(msg, append(keyvals, "component", "kgo")...)
	case kgo.LogLevelWarn:
		k.l.Warn(msg, append(keyvals, "component", "kgo")...)
	}
}
