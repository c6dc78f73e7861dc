package report

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// DefaultTopic is the topic of the ministry report feed.
const DefaultTopic = "ntm.reports.v1"

// DefaultProduceTimeout bounds a Produce call: reading the topic and producing.
const DefaultProduceTimeout = time.Minute

// ContentType is the record header content_type: the value is the revision's SDMX-CSV file.
const ContentType = "text/csv; charset=utf-8; header=present"

// ErrConflict means the topic holds a revision with the same report id and revision number as
// one in the output directory but other bytes: the directory is not the one the topic's
// revisions came from. Nothing is produced then.
var ErrConflict = errors.New("the topic holds other content for a revision")

// ProduceOptions tune Produce. The zero value is ready to use.
type ProduceOptions struct {
	// Timeout bounds the whole call; the default is DefaultProduceTimeout.
	Timeout time.Duration
	// ClientOpts are added to the Kafka clients' options, for what a real cluster needs
	// (TLS, SASL).
	ClientOpts []kgo.Opt
	// Logger receives the Kafka clients' warnings and errors; nil discards them.
	Logger *slog.Logger
}

// ProduceResult is what Produce did; both lists are oldest first.
type ProduceResult struct {
	Produced []Manifest // revisions sent now
	Present  []Manifest // revisions the topic already held
}

// Produce sends every revision in dir that the topic does not hold yet, oldest first, one
// record each: key = the report id, value = the CSV bytes exactly, headers = the manifest's
// fields (report_id, period, revision, replaces, known_at, file, sha256, bytes, rows) and
// content_type.
//
// Before producing it reads the topic from its start to the end offsets it lists, and a
// revision is held when a record has its report id and revision and a value with its sha256.
// So running it again sends nothing new. The topic is small (one record per revision), and is
// assumed written only by Produce, without transactions. Records are acknowledged by all
// in-sync replicas, through an idempotent producer.
func Produce(ctx context.Context, brokers []string, topic, dir string, o ProduceOptions) (ProduceResult, error) {
	var res ProduceResult
	if len(brokers) == 0 {
		return res, errors.New("report: no brokers to produce to")
	}
	if topic == "" {
		return res, errors.New("report: no topic to produce to")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultProduceTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()

	revs, err := Revisions(dir)
	if err != nil {
		return res, err
	}
	// Oldest first, so that the topic holds each report's revisions in order.
	slices.SortStableFunc(revs, func(a, b Manifest) int {
		if c := chronological(a, b); c != 0 {
			return c
		}
		return cmp.Compare(a.ReportID, b.ReportID)
	})

	base := []kgo.Opt{kgo.SeedBrokers(brokers...)}
	if o.Logger != nil {
		base = append(base, kgo.WithLogger(kgoLogger{o.Logger}))
	}
	base = append(base, o.ClientOpts...)
	cl, err := kgo.NewClient(append(slices.Clone(base),
		kgo.DefaultProduceTopic(topic),
		// The topic is created on first use where the broker allows it.
		kgo.AllowAutoTopicCreation(),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchCompression(kgo.ZstdCompression()),
	)...)
	if err != nil {
		return res, fmt.Errorf("report: configure the Kafka client: %w", err)
	}
	defer cl.Close()

	held, err := readTopic(ctx, cl, topic, base)
	if err != nil {
		return res, err
	}
	var todo []*kgo.Record
	var conflicts []string
	for _, m := range revs {
		if sums, ok := held[revisionKey{m.ReportID, m.Revision}]; ok {
			if slices.Contains(sums, m.SHA256) {
				res.Present = append(res.Present, m)
				continue
			}
			conflicts = append(conflicts, fmt.Sprintf("%s r%d", m.ReportID, m.Revision))
			continue
		}
		value, err := ReadRevision(dir, m)
		if err != nil {
			return res, err
		}
		todo = append(todo, &kgo.Record{Key: []byte(m.ReportID), Value: value, Headers: headers(m)})
	}
	if len(conflicts) > 0 {
		return res, fmt.Errorf("report: %s: %w; produce from the directory the topic's revisions came from",
			strings.Join(conflicts, ", "), ErrConflict)
	}
	if len(todo) == 0 {
		return res, nil
	}
	if err := cl.ProduceSync(ctx, todo...).FirstErr(); err != nil {
		return res, fmt.Errorf("report: produce to %s: %w", topic, err)
	}
	for _, m := range revs {
		if !slices.ContainsFunc(res.Present, func(p Manifest) bool { return p.File == m.File }) {
			res.Produced = append(res.Produced, m)
		}
	}
	return res, nil
}

// headers are a revision's manifest as record headers.
func headers(m Manifest) []kgo.RecordHeader {
	replaces := ""
	if m.Replaces != nil {
		replaces = strconv.Itoa(*m.Replaces)
	}
	h := func(k, v string) kgo.RecordHeader { return kgo.RecordHeader{Key: k, Value: []byte(v)} }
	return []kgo.RecordHeader{
		h("report_id", m.ReportID),
		h("period", m.Period),
		h("revision", strconv.Itoa(m.Revision)),
		h("replaces", replaces),
		h("known_at", m.KnownAt),
		h("file", m.File),
		h("sha256", m.SHA256),
		h("bytes", strconv.FormatInt(m.Bytes, 10)),
		h("rows", strconv.Itoa(m.Rows)),
		h("content_type", ContentType),
	}
}

// revisionKey names a revision on the topic.
type revisionKey struct {
	reportID string
	revision int
}

// readTopic reads the topic from its log start to the end offsets listed now, with a consumer
// of its own built from opts, and returns the sha256 of each record's value by the revision
// its headers name. A topic that does not exist yet holds nothing.
func readTopic(ctx context.Context, cl *kgo.Client, topic string, opts []kgo.Opt) (map[revisionKey][]string, error) {
	adm := kadm.NewClient(cl)
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("report: list the end offsets of %s: %w", topic, err)
	}
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("report: list the start offsets of %s: %w", topic, err)
	}
	from := map[int32]kgo.Offset{}
	end := map[int32]int64{}
	var listErr error
	ends.Each(func(lo kadm.ListedOffset) {
		if lo.Err != nil {
			if !errors.Is(lo.Err, kerr.UnknownTopicOrPartition) {
				listErr = errors.Join(listErr, lo.Err)
			}
			return
		}
		start, ok := starts.Lookup(topic, lo.Partition)
		if !ok || start.Err != nil {
			listErr = errors.Join(listErr, fmt.Errorf("no start offset for partition %d", lo.Partition))
			return
		}
		if lo.Offset > start.Offset {
			from[lo.Partition] = kgo.NewOffset().At(start.Offset)
			end[lo.Partition] = lo.Offset
		}
	})
	if listErr != nil {
		return nil, fmt.Errorf("report: list the offsets of %s: %w", topic, listErr)
	}
	held := map[revisionKey][]string{}
	if len(from) == 0 {
		return held, nil
	}

	// Control records are kept so that every offset up to the end arrives, even where a
	// partition ends with a transaction marker.
	cons, err := kgo.NewClient(append(slices.Clone(opts),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: from}), kgo.KeepControlRecords())...)
	if err != nil {
		return nil, fmt.Errorf("report: configure the Kafka consumer: %w", err)
	}
	defer cons.Close()
	for len(end) > 0 {
		fetches := cons.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("report: read %s: %w", topic, err)
		}
		var ferr error
		fetches.EachError(func(_ string, p int32, err error) {
			ferr = errors.Join(ferr, fmt.Errorf("partition %d: %w", p, err))
		})
		if ferr != nil {
			return nil, fmt.Errorf("report: read %s: %w", topic, ferr)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			if e, ok := end[r.Partition]; ok && r.Offset+1 >= e {
				delete(end, r.Partition)
			}
			if r.Attrs.IsControl() {
				return
			}
			var id, rev string
			for _, h := range r.Headers {
				switch h.Key {
				case "report_id":
					id = string(h.Value)
				case "revision":
					rev = string(h.Value)
				}
			}
			n, err := strconv.Atoi(rev)
			if id == "" || err != nil {
				return // not a revision
			}
			sum := sha256.Sum256(r.Value)
			k := revisionKey{id, n}
			held[k] = append(held[k], hex.EncodeToString(sum[:]))
		})
	}
	return held, nil
}

// kgoLogger passes the Kafka clients' warnings and errors to slog.
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
