// Package gateway is the event gateway of POST /api/v1/events: reporting units without a Kafka
// client send NDJSON events over HTTPS with a bearer token; the gateway validates each line
// against the contract, checks that the token may speak for the event's unit, judges
// duplicates and conflicts against the warehouse as ingest will, produces the accepted lines to
// Kafka as received and the rejected ones as dead letters (events.Verdict), and answers line by
// line, in English and Vietnamese.
package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/thanhhoa-ntm/ntm/auth"
	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/ndjson"
)

// Defaults of Config.
const (
	// DefaultMaxBody is the largest request body: sixteen events of the largest size, or tens
	// of thousands of ordinary ones.
	DefaultMaxBody = 16 << 20
	// DefaultTimeout bounds one request, Kafka's acknowledgement included.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxResults bounds the lines an answer lists, so that the answer to a body of
	// millions of bad lines stays small (it was 964 MB for 16 MiB of "1" lines).
	DefaultMaxResults = 1000
	// DefaultRecentIDs is how many event_ids acknowledged by Kafka the gateway remembers at
	// least, for the conflicts that the warehouse does not show yet (see Config.RecentIDs).
	DefaultRecentIDs = 1 << 16
	// DefaultMaxDeadLetters bounds the rejected lines of one request stored as dead letters:
	// far more than a unit's honest mistakes, and far fewer than the 8 million lines of a body
	// of 16 MiB of garbage, which would otherwise become as many Kafka records and rows.
	DefaultMaxDeadLetters = 10_000
)

// The gateway's reasons for rejecting a line, beside the contract's (events.Reason).
const (
	// ForbiddenUnit: the event's unit_code is neither the token's unit nor below it.
	ForbiddenUnit = events.ForbiddenUnit
	// UnknownUnit: the event's unit_code, outside the token's scope, is no unit of the
	// province the gateway knows.
	UnknownUnit = events.UnknownUnit
	// Unavailable: Kafka did not acknowledge the event; sending it again later is safe, as a
	// duplicate event_id with the same content counts once. It is a verdict on the moment, not
	// on the line: such a line is not stored as a dead letter.
	Unavailable events.Reason = "unavailable"
)

// Config configures Handler.
type Config struct {
	// Tokens authenticates the callers. Required.
	Tokens *auth.Store
	// Client produces the accepted events. Required. It must wait for all in-sync replicas
	// (kgo's default, see NewClient) and accept records of the contract's largest event.
	Client *kgo.Client
	// Topic receives the events; default events.DefaultTopic.
	Topic string
	// MaxBody is the largest request body in bytes; default DefaultMaxBody.
	MaxBody int64
	// Timeout bounds each request, Kafka included; default DefaultTimeout.
	Timeout time.Duration
	// Now is the clock for token expiry; default time.Now.
	Now func() time.Time
	// ParentOf, when set, gives each unit's parent for the scope of reporters (see
	// auth.Below). When nil, the hierarchy of the reference data is used
	// (auth.DefaultHierarchy), which also knows every parent of a unit that has several.
	ParentOf func(code string) (string, bool)
	// Known, when set, says whether a code is a unit of the province, so that a reporter's
	// event about a unit outside its scope that does not exist is refused as unknown_unit
	// rather than forbidden_unit. When nil, the units of the reference data are known if
	// ParentOf is nil too, and every code is known otherwise.
	Known func(code string) bool
	// Lookup reads what the gateway needs from the warehouse: the stored events of the
	// request's event_ids (for duplicates and conflicts) and correction targets, and entity
	// owners; see WarehouseLookup. When nil, nothing is stored: corrections, retractions and
	// events about an entity not registered in the same request are refused for non-admins,
	// and only duplicates within a request are found.
	Lookup Lookup
	// MaxResults is the number of lines an answer lists; default DefaultMaxResults.
	MaxResults int
	// RecentIDs is how many event_ids Kafka acknowledged lately the gateway remembers with
	// their content hash, so that an event sent again with other content before ingest stored
	// the first is answered as the conflict it is; default DefaultRecentIDs, negative for none.
	RecentIDs int
	// MaxDeadLetters is the number of rejected lines of a request stored as dead letters;
	// the rest are answered and counted (Response.NotStored) but kept nowhere. Default
	// DefaultMaxDeadLetters.
	MaxDeadLetters int
	// Log receives one line per request; nil discards.
	Log *slog.Logger
	// Stats, when set, counts what the gateway does, for metrics; nil keeps counts nowhere.
	Stats *Stats
}

// Stats counts the gateway's work. The zero value is ready; every method is safe for
// concurrent use. The counters only grow, as Prometheus counters do.
type Stats struct {
	// Requests counts requests that were authenticated and authorized to send.
	Requests atomic.Int64
	// Unauthorized counts requests refused with 401, Forbidden those refused with 403.
	Unauthorized, Forbidden atomic.Int64
	// TooLarge counts requests refused with 413.
	TooLarge atomic.Int64
	// Accepted counts events that Kafka acknowledged.
	Accepted atomic.Int64
	// Duplicates counts accepted lines whose event was stored already, or sent earlier in the
	// same request, with the same content (they count once).
	Duplicates atomic.Int64
	// DeadLetters counts rejected lines that Kafka acknowledged as dead letters;
	// DeadLettersLost those it did not take (logged: the line was rejected, but no dead letter
	// keeps it).
	DeadLetters, DeadLettersLost atomic.Int64
	// DeadLettersDropped counts rejected lines past Config.MaxDeadLetters of their request.
	DeadLettersDropped atomic.Int64

	mu       sync.Mutex
	rejected map[events.Reason]int64
}

// Rejected returns the rejected lines by reason: the contract's reasons, ForbiddenUnit and
// Unavailable.
func (s *Stats) Rejected() map[events.Reason]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[events.Reason]int64, len(s.rejected))
	for r, n := range s.rejected {
		out[r] = n
	}
	return out
}

func (s *Stats) addRejected(by map[events.Reason]int64) {
	if len(by) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rejected == nil {
		s.rejected = map[events.Reason]int64{}
	}
	for r, n := range by {
		s.rejected[r] += n
	}
}

// NewClient returns a Kafka client fit for Config.Client: acknowledged by all in-sync replicas,
// idempotent, and taking records up to a little over the contract's largest event (the
// topic's max.message.bytes must allow as much). As ntm produce does, it asks for the topic to
// be created on first use, which only brokers that allow it (the development broker) do. opts
// are added after these.
func NewClient(brokers []string, opts ...kgo.Opt) (*kgo.Client, error) {
	base := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchMaxBytes(events.MaxEventSize + 64<<10),
		kgo.ProducerBatchCompression(kgo.ZstdCompression()),
		kgo.RecordDeliveryTimeout(DefaultTimeout),
		kgo.AllowAutoTopicCreation(),
	}
	cl, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("configure the Kafka client: %w", err)
	}
	return cl, nil
}

// Response is the JSON answer to a request whose lines were judged. Results lists the first
// Config.MaxResults lines; past them the answer is a summary: Truncated is set and
// RejectedByReason counts the rejections of every line.
type Response struct {
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
	// Duplicates counts the accepted lines that were stored already (or sent earlier in the
	// request) with the same content: idempotent deliveries, counted once.
	Duplicates       int            `json:"duplicates,omitempty"`
	Results          []Result       `json:"results"`
	Truncated        bool           `json:"truncated,omitempty"`
	RejectedByReason map[string]int `json:"rejected_by_reason,omitempty"`
	// NotStored counts the rejected lines past the request's limit of dead letters
	// (Config.MaxDeadLetters): answered, but not kept in the warehouse's dead letters.
	NotStored int `json:"not_stored,omitempty"`
}

// Result is the fate of one non-blank line. Message is in English; MessageVI says the same in
// Vietnamese, for the communes' staff.
type Result struct {
	Line    int    `json:"line"` // 1-based, blank lines counted
	EventID string `json:"event_id,omitempty"`
	Status  string `json:"status"` // accepted or rejected
	// Duplicate marks an accepted line whose event is stored already (or was sent earlier in
	// the request) with the same content: accepted again, counted once.
	Duplicate bool   `json:"duplicate,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Field     string `json:"field,omitempty"`
	Message   string `json:"message,omitempty"`
	MessageVI string `json:"message_vi,omitempty"`
}

// Result statuses.
const (
	StatusAccepted = "accepted"
	StatusRejected = "rejected"
)

// errorBody is the JSON answer to a request refused as a whole: Error in English, ErrorVI in
// Vietnamese.
type errorBody struct {
	Error   string `json:"error"`
	ErrorVI string `json:"error_vi,omitempty"`
	Code    string `json:"code"`
}

type handler struct {
	cfg    Config
	recent *recent
	scope  func(scope, unit string) bool
	known  func(code string) bool
	log    *slog.Logger
	stats  *Stats
}

// Handler returns the handler of POST /api/v1/events. It panics when cfg lacks Tokens or
// Client, which is a wiring bug.
//
// What a 200 guarantees: every line reported accepted was acknowledged by Kafka (all in-sync
// replicas) before the answer was written, or is stored already with the same content (a
// duplicate, not sent again); a line Kafka did not take is reported rejected with reason
// unavailable, and the answer is then 503. Lines are judged independently: an invalid line
// never keeps a valid one out. Every rejected line but an unavailable one is produced to the
// topic as a dead letter (events.Verdict) in the same wait, for ingest to store with its
// reason and origin; one Kafka did not take is logged and counted (Stats.DeadLettersLost),
// and changes no line's verdict.
func Handler(cfg Config) http.Handler {
	if cfg.Tokens == nil || cfg.Client == nil {
		panic("BUG: gateway.Handler needs Config.Tokens and Config.Client")
	}
	if cfg.Topic == "" {
		cfg.Topic = events.DefaultTopic
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxResults <= 0 {
		cfg.MaxResults = DefaultMaxResults
	}
	if cfg.RecentIDs == 0 {
		cfg.RecentIDs = DefaultRecentIDs
	}
	if cfg.MaxDeadLetters <= 0 {
		cfg.MaxDeadLetters = DefaultMaxDeadLetters
	}
	h := &handler{cfg: cfg, log: cfg.Log, stats: cfg.Stats, recent: newRecent(cfg.RecentIDs)}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.stats == nil {
		h.stats = new(Stats)
	}
	h.known = cfg.Known
	if parentOf := cfg.ParentOf; parentOf != nil {
		h.scope = func(scope, unit string) bool { return unit == scope || auth.Below(scope, unit, parentOf) }
	} else {
		hier := auth.DefaultHierarchy()
		h.scope = hier.InScope
		if h.known == nil {
			h.known = func(code string) bool { return knownUnit(hier, code) }
		}
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "send the events with POST")
		return
	}
	p, err := h.cfg.Tokens.Authenticate(r, h.cfg.Now())
	if err != nil {
		h.stats.Unauthorized.Add(1)
		h.unauthorized(w, err)
		return
	}
	if p.Role != auth.RoleReporter && p.Role != auth.RoleRegistry && p.Role != auth.RoleAdmin {
		h.stats.Forbidden.Add(1)
		writeError(w, http.StatusForbidden, "forbidden_role",
			fmt.Sprintf("token %q has role %s, which may not send events; only reporter, registry and admin tokens may", p.Name, p.Role))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/x-ndjson" && mt != "application/json" && mt != "text/plain") {
			writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type",
				fmt.Sprintf("content type %q is not accepted; send application/x-ndjson", ct))
			return
		}
	}
	h.stats.Requests.Add(1)
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.Timeout)
	defer cancel()
	// The timeout covers reading the body too, where the server lets the handler set it (a
	// context does not interrupt a blocked read).
	deadline, _ := ctx.Deadline()
	_ = http.NewResponseController(w).SetReadDeadline(deadline)

	body := http.MaxBytesReader(w, r.Body, h.cfg.MaxBody)
	v, recs, err := h.judge(ctx, body, p)
	if errors.Is(err, errLookup) {
		h.log.Error("authorize events", "token", p.Name, "err", err)
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the warehouse could not be read to check the events; nothing was accepted: send them again later")
		return
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.stats.TooLarge.Add(1)
			writeError(w, http.StatusRequestEntityTooLarge, "body_too_large",
				fmt.Sprintf("the body is over the limit of %d bytes; nothing was accepted: send the events in smaller requests", tooBig.Limit))
			return
		}
		h.log.Warn("read event request", "token", p.Name, "err", err)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			writeError(w, http.StatusRequestTimeout, "timeout",
				fmt.Sprintf("the body did not arrive within %s; nothing was accepted: send the events in smaller requests", h.cfg.Timeout))
			return
		}
		writeError(w, http.StatusBadRequest, "bad_body", "the body could not be read; nothing was accepted: send it again")
		return
	}

	status := http.StatusOK
	if len(recs) > 0 {
		if h.produce(ctx, recs, v) {
			status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", "30")
		}
	}
	resp := v.response()
	rejected := map[events.Reason]int64{}
	for r, n := range v.rejected {
		if n > 0 {
			rejected[r] = int64(n)
		}
	}
	h.stats.Accepted.Add(int64(resp.Accepted))
	h.stats.Duplicates.Add(int64(resp.Duplicates))
	h.stats.DeadLettersDropped.Add(int64(resp.NotStored))
	h.stats.addRejected(rejected)
	h.log.Info("events received", "token", p.Name, "role", p.Role, "unit", p.Unit,
		"lines", v.lines, "accepted", resp.Accepted, "duplicates", resp.Duplicates, "rejected", resp.Rejected, "not_stored", resp.NotStored, "status", status)
	writeJSON(w, status, resp)
}

// pending is a record waiting for Kafka: an accepted line's event, with its index in the
// results (-1 when the answer does not list it), or a rejected line's dead letter.
type pending struct {
	rec    *kgo.Record
	result int
	dead   bool
	dup    bool // a duplicate of an earlier line, counted in verdicts.duplicates
	id     string
	hash   uint64 // the event's content hash, remembered once Kafka acknowledged it
}

// candidate is a line the contract accepts, waiting for the authorization of what it changes.
type candidate struct {
	ev     events.Event // aliases the request's copy of the line
	raw    []byte       // the line as received, for a dead letter
	line   int
	result int // index in the results, or -1
}

// verdicts gathers the results of a request: every line counted, the first MaxResults listed.
type verdicts struct {
	max        int
	listed     []Result
	accepted   int
	duplicates int
	rejected   map[events.Reason]int
	lines      int
	dead       int // dead letters to produce
	notStored  int // rejected lines past the limit of dead letters
}

// add counts a line's verdict and lists it while the answer has room; it returns the index in
// the list, or -1.
func (v *verdicts) add(r Result) int {
	v.lines++
	if r.Status == StatusAccepted {
		v.accepted++
	} else {
		v.rejected[events.Reason(r.Reason)]++
	}
	if len(v.listed) >= v.max {
		return -1
	}
	v.listed = append(v.listed, r)
	return len(v.listed) - 1
}

// reject turns an accepted line's verdict into a rejection (Kafka did not take it, or its
// authorization failed after it was counted).
func (v *verdicts) reject(i int, r *refusal) {
	v.accepted--
	v.rejected[r.reason]++
	if i >= 0 {
		l := &v.listed[i]
		l.Status, l.Reason, l.Field, l.Message, l.MessageVI = StatusRejected, string(r.reason), r.field, clip(r.message), clip(r.messageVI)
		l.Duplicate = false
	}
}

// duplicate marks an accepted line as a duplicate of a stored or earlier event.
func (v *verdicts) duplicate(i int, message, messageVI string) {
	v.duplicates++
	if i >= 0 {
		l := &v.listed[i]
		l.Duplicate, l.Message, l.MessageVI = true, message, messageVI
	}
}

func (v *verdicts) response() *Response {
	resp := &Response{Accepted: v.accepted, Duplicates: v.duplicates, Results: v.listed, NotStored: v.notStored}
	for _, n := range v.rejected {
		resp.Rejected += n
	}
	if v.lines > len(v.listed) {
		resp.Truncated = true
		resp.RejectedByReason = map[string]int{}
		for r, n := range v.rejected {
			resp.RejectedByReason[string(r)] = n
		}
	}
	return resp
}

// seen is an event_id accepted earlier in the request: its content hash and line.
type seen struct {
	hash uint64
	line int
}

// judge reads every line of the body and judges it, in the order of ingest: decoded and valid
// by the contract, then authorized (see authorizer: the unit, the payload's units, the targets
// and entities, all in the principal's scope), then, with the source the gateway states
// (WithSource), compared with what the warehouse holds under its event_id and with the earlier
// lines of the request by the content hash ingest's dedupe uses (events.Judge.Hash of the
// record's value), so that the gateway answers a duplicate or a conflict as ingest will judge
// it. It returns the verdicts (accepted ones still to be produced) and the records to produce:
// the accepted events, and a dead letter for every rejected line. A read error (the body over
// its limit included) fails the whole request, so that nothing is produced from a body the
// gateway did not read to its end.
//
// The warehouse lags Kafka by ingest's flush interval: an event produced a moment ago is not
// there yet. The gateway remembers what it sent lately (recent) for that window; a conflict
// with an event another gateway process sent in it is found only by ingest (a dead letter, as
// for Kafka producers).
func (h *handler) judge(ctx context.Context, body io.Reader, p auth.Principal) (*verdicts, []pending, error) {
	v := &verdicts{max: h.cfg.MaxResults, listed: []Result{}, rejected: map[events.Reason]int{}}
	var cands []*candidate
	var recs []pending
	var judge events.Judge
	var slab []byte
	origin := events.GatewayOrigin(p.Name, p.Unit)
	var key []byte
	if p.Unit != "" {
		key = []byte(p.Unit)
	}
	dead := func(line int, raw []byte, ev *events.Event, r *refusal) {
		if v.dead >= h.cfg.MaxDeadLetters {
			v.notStored++
			return
		}
		v.dead++
		vd := events.Verdict{Rejection: events.Rejection{Reason: r.reason, Field: r.field, Message: r.message},
			Raw: raw, Origin: origin, Line: int64(line)}
		if ev != nil {
			vd.EventID, vd.EventType = ev.ID, ev.Type.String()
		}
		hs := vd.Headers()
		rec := &kgo.Record{Topic: h.cfg.Topic, Key: key, Value: []byte{}, Headers: make([]kgo.RecordHeader, len(hs))}
		for i, hd := range hs {
			rec.Headers[i] = kgo.RecordHeader{Key: hd.Key, Value: hd.Value}
		}
		recs = append(recs, pending{rec: rec, result: -1, dead: true})
	}
	rd := ndjson.NewReader(body)
	for {
		line, n, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		// The reader reuses its line buffer, and the candidates and the client hold the line
		// until Kafka acknowledges it: the line is copied, small ones into a shared slab.
		if cap(slab)-len(slab) < len(line) {
			slab = make([]byte, 0, max(256<<10, len(line)))
		}
		i := len(slab)
		slab = append(slab, line...)
		kept := slab[i:len(slab):len(slab)]
		ev, err := judge.Line(kept)
		if err != nil {
			rej := events.RejectionOf(err)
			r := &refusal{reason: rej.Reason, field: rej.Field, message: rej.Message, messageVI: contractVI(rej)}
			v.add(Result{Line: n, Status: StatusRejected, Reason: string(r.reason), Field: r.field, Message: clip(r.message), MessageVI: clip(r.messageVI)})
			dead(n, kept, nil, r)
			continue
		}
		c := &candidate{ev: ev, raw: kept, line: n}
		c.result = v.add(Result{Line: n, EventID: ev.ID, Status: StatusAccepted})
		cands = append(cands, c)
	}
	az, err := newAuthorizer(ctx, h.cfg.Lookup, p, h.scope, h.known, cands)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errLookup, err)
	}
	earlier := map[string]seen{}
	for _, c := range cands {
		if r := az.judge(&c.ev); r != nil {
			v.reject(c.result, r)
			dead(c.line, c.raw, &c.ev, r)
			continue
		}
		src := events.Source{Level: events.LevelOf(p.Unit), UnitCode: p.Unit, Token: p.Name}
		if p.Role == auth.RoleAdmin {
			src = c.ev.Source // an admin speaks for any unit: its source is kept, its token named
			src.Token = p.Name
		}
		value, err := events.WithSource(c.ev.Raw, src)
		if err != nil {
			return nil, nil, fmt.Errorf("BUG: gateway: source of a valid event: %w", err)
		}
		if len(value) > events.MaxEventSize {
			r := &refusal{reason: events.TooLarge, field: "source",
				message: fmt.Sprintf("with the source the gateway states (%s, token %q) the event is %d bytes, over the limit of %d bytes (1 MiB)",
					src.UnitCode, p.Name, len(value), events.MaxEventSize),
				messageVI: fmt.Sprintf("khi cổng ghi nguồn gửi (%s, mã truy cập %q), sự kiện dài %d byte, vượt giới hạn %d byte (1 MiB)",
					src.UnitCode, p.Name, len(value), events.MaxEventSize)}
			v.reject(c.result, r)
			dead(c.line, c.raw, &c.ev, r)
			continue
		}
		// The record's value is what ingest judges and hashes: the hash is taken of it.
		sent := c.ev
		sent.Raw = value
		hash := judge.Hash(&sent)
		rp := h.repeat(c, hash, az.stored, earlier)
		switch {
		case rp.conflict != nil:
			v.reject(c.result, rp.conflict)
			dead(c.line, c.raw, &c.ev, rp.conflict)
			continue
		case rp.duplicate:
			v.duplicate(c.result, rp.message, rp.messageVI)
		default:
			earlier[c.ev.ID] = seen{hash: hash, line: c.line}
		}
		az.remember(&c.ev)
		if !rp.send {
			continue
		}
		recs = append(recs, pending{
			rec:    &kgo.Record{Topic: h.cfg.Topic, Key: []byte(c.ev.UnitCode), Value: value},
			result: c.result,
			dup:    rp.duplicate,
			id:     c.ev.ID,
			hash:   hash,
		})
	}
	return v, recs, nil
}

// repetition is what an event_id seen before makes of a line.
type repetition struct {
	conflict           *refusal // the id came with other content: the line is rejected
	duplicate          bool     // the id came with the same content: accepted, counted once
	message, messageVI string   // a duplicate's note
	send               bool     // the event goes to Kafka
}

// repeat judges a line that passed the contract and the authorization by its event_id and
// content hash, against, in turn, what the warehouse stored, what this gateway sent lately
// (not stored yet) and the earlier lines of the request: the same content is a duplicate,
// other content the conflict ingest would find. A duplicate of a stored or lately sent event
// is not sent again; one of an earlier line is, so that Kafka's verdict on the line is its own
// (ingest counts it once).
func (h *handler) repeat(c *candidate, hash uint64, stored map[string]uint64, earlier map[string]seen) repetition {
	id := c.ev.ID
	if s, ok := stored[id]; ok {
		if s != hash {
			return repetition{conflict: conflict(id)}
		}
		return repetition{duplicate: true,
			message:   fmt.Sprintf("event %s is stored already with the same content; it counts once", id),
			messageVI: fmt.Sprintf("sự kiện %s đã được lưu với cùng nội dung; chỉ được tính một lần", id)}
	}
	if s, ok := h.recent.get(id); ok {
		if s != hash {
			r := conflict(id)
			r.message += " (sent a moment ago, not in the warehouse yet)"
			r.messageVI += " (vừa được gửi, chưa vào kho dữ liệu)"
			return repetition{conflict: r}
		}
		return repetition{duplicate: true,
			message:   fmt.Sprintf("event %s was sent a moment ago with the same content; it counts once", id),
			messageVI: fmt.Sprintf("sự kiện %s vừa được gửi với cùng nội dung; chỉ được tính một lần", id)}
	}
	if e, ok := earlier[id]; ok {
		if e.hash != hash {
			r := conflict(id)
			r.message += fmt.Sprintf(" (line %d of this request)", e.line)
			r.messageVI += fmt.Sprintf(" (dòng %d của yêu cầu này)", e.line)
			return repetition{conflict: r}
		}
		return repetition{duplicate: true, send: true,
			message:   fmt.Sprintf("event %s is on line %d of this request already, with the same content; it counts once", id, e.line),
			messageVI: fmt.Sprintf("sự kiện %s đã có ở dòng %d của yêu cầu này với cùng nội dung; chỉ được tính một lần", id, e.line)}
	}
	return repetition{send: true}
}

// conflict is the verdict on an event whose event_id is stored, or was sent earlier in the
// request, with other content: ingest's (events.ConflictMessage), so that the answer says
// what the dead letter will.
func conflict(id string) *refusal {
	return &refusal{reason: events.ConflictingDuplicate, field: "event_id", message: events.ConflictMessage(id),
		messageVI: fmt.Sprintf("mã sự kiện %q đã được nhận trước đó với nội dung khác; sự kiện đầu tiên được giữ: muốn sửa, hãy gửi một sự kiện có event_id mới và \"corrects\":%q", id, id)}
}

// errLookup marks a failure to read what the checks need from the warehouse.
var errLookup = errors.New("the warehouse could not be read to check the events")

// clip shortens a message for the answer: a line's message names the field and the rule, and
// never needs more.
func clip(s string) string {
	if len(s) <= 300 {
		return s
	}
	// Cut at a rune boundary, so that a Vietnamese message stays valid UTF-8.
	i := 297
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// produce sends the records and waits for Kafka to acknowledge or fail each one. A failed
// event's line becomes rejected with reason unavailable; produce reports whether any failed.
// A failed dead letter is logged and counted.
func (h *handler) produce(ctx context.Context, recs []pending, v *verdicts) bool {
	rs := make([]*kgo.Record, len(recs))
	for i, pr := range recs {
		rs[i] = pr.rec
	}
	results := h.cfg.Client.ProduceSync(ctx, rs...)
	failed, lost := false, 0
	for i, pr := range results {
		if recs[i].dead {
			if pr.Err != nil {
				if lost == 0 {
					h.log.Error("produce dead letters", "topic", h.cfg.Topic, "err", pr.Err)
				}
				lost++
				h.stats.DeadLettersLost.Add(1)
			} else {
				h.stats.DeadLetters.Add(1)
			}
			continue
		}
		if pr.Err == nil {
			h.recent.add(recs[i].id, recs[i].hash)
			continue
		}
		if !failed {
			h.log.Error("produce events", "topic", h.cfg.Topic, "err", pr.Err)
		}
		failed = true
		if recs[i].dup {
			v.duplicates--
		}
		v.reject(recs[i].result, &refusal{reason: Unavailable,
			message:   fmt.Sprintf("Kafka did not acknowledge the event (%v); nothing was stored for this line: send it again later", pr.Err),
			messageVI: "Kafka chưa xác nhận sự kiện; dòng này chưa được lưu: hãy gửi lại sau"})
	}
	return failed
}

func (h *handler) unauthorized(w http.ResponseWriter, err error) {
	code, challenge := "invalid_token", `Bearer realm="ntm", error="invalid_token"`
	switch {
	case errors.Is(err, auth.ErrNoToken):
		code, challenge = "missing_token", `Bearer realm="ntm"`
	case errors.Is(err, auth.ErrMalformed):
		code, challenge = "malformed_token", `Bearer realm="ntm", error="invalid_request"`
	case errors.Is(err, auth.ErrUnknownToken):
		code = "unknown_token"
	case errors.Is(err, auth.ErrExpired):
		code = "expired_token"
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeError(w, http.StatusUnauthorized, code, err.Error())
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorBody{Error: msg, ErrorVI: errorsVI[code], Code: code})
}

// errorsVI are the Vietnamese messages of the refusals of a whole request, by code; the
// English message (errorBody.Error) gives the detail.
var errorsVI = map[string]string{
	"method_not_allowed":     "hãy gửi sự kiện bằng phương thức POST",
	"missing_token":          "thiếu mã truy cập: hãy gửi tiêu đề Authorization: Bearer <mã truy cập>",
	"malformed_token":        "tiêu đề Authorization sai định dạng: phải là Bearer, một dấu cách, rồi mã truy cập",
	"unknown_token":          "mã truy cập không đúng hoặc đã bị thu hồi",
	"expired_token":          "mã truy cập đã hết hạn: hãy xin cấp mã mới",
	"invalid_token":          "mã truy cập không hợp lệ",
	"forbidden_role":         "mã truy cập này không có quyền gửi sự kiện; chỉ mã của đơn vị báo cáo, Sở Nội vụ và quản trị được gửi",
	"unsupported_media_type": "kiểu nội dung không được chấp nhận: hãy gửi application/x-ndjson",
	"unavailable":            "chưa đọc được kho dữ liệu để kiểm tra sự kiện; chưa sự kiện nào được nhận: hãy gửi lại sau",
	"body_too_large":         "nội dung gửi vượt quá giới hạn kích thước; chưa sự kiện nào được nhận: hãy chia thành các yêu cầu nhỏ hơn",
	"timeout":                "nội dung gửi đến quá chậm; chưa sự kiện nào được nhận: hãy chia thành các yêu cầu nhỏ hơn",
	"bad_body":               "không đọc được nội dung gửi; chưa sự kiện nào được nhận: hãy gửi lại",
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
