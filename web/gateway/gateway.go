// Package gateway is the event gateway of POST /api/v1/events: reporting units without a Kafka
// client send NDJSON events over HTTPS with a bearer token; the gateway validates each line
// against the contract, checks that the token may speak for the event's unit, produces the
// accepted lines to Kafka as received, and answers line by line.
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
)

// The gateway's reasons for rejecting a line, beside the contract's (events.Reason).
const (
	// ForbiddenUnit: the event's unit_code is neither the token's unit nor below it.
	ForbiddenUnit events.Reason = "forbidden_unit"
	// Unavailable: Kafka did not acknowledge the event; sending it again later is safe, as a
	// duplicate event_id with the same content counts once.
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
	// Lookup reads what the authorization needs from the warehouse (correction targets, entity
	// owners); see WarehouseLookup. When nil, nothing is stored: corrections, retractions and
	// events about an entity not registered in the same request are refused for non-admins.
	Lookup Lookup
	// MaxResults is the number of lines an answer lists; default DefaultMaxResults.
	MaxResults int
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
	Accepted         int            `json:"accepted"`
	Rejected         int            `json:"rejected"`
	Results          []Result       `json:"results"`
	Truncated        bool           `json:"truncated,omitempty"`
	RejectedByReason map[string]int `json:"rejected_by_reason,omitempty"`
}

// Result is the fate of one non-blank line.
type Result struct {
	Line    int    `json:"line"` // 1-based, blank lines counted
	EventID string `json:"event_id,omitempty"`
	Status  string `json:"status"` // accepted or rejected
	Reason  string `json:"reason,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message,omitempty"`
}

// Result statuses.
const (
	StatusAccepted = "accepted"
	StatusRejected = "rejected"
)

// errorBody is the JSON answer to a request refused as a whole.
type errorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

type handler struct {
	cfg   Config
	scope func(scope, unit string) bool
	log   *slog.Logger
	stats *Stats
}

// Handler returns the handler of POST /api/v1/events. It panics when cfg lacks Tokens or
// Client, which is a wiring bug.
//
// What a 200 guarantees: every line reported accepted was acknowledged by Kafka (all in-sync
// replicas) before the answer was written; a line Kafka did not take is reported rejected with
// reason unavailable, and the answer is then 503. Lines are judged independently: an invalid
// line never keeps a valid one out.
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
	h := &handler{cfg: cfg, log: cfg.Log, stats: cfg.Stats}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.stats == nil {
		h.stats = new(Stats)
	}
	if parentOf := cfg.ParentOf; parentOf != nil {
		h.scope = func(scope, unit string) bool { return unit == scope || auth.Below(scope, unit, parentOf) }
	} else {
		h.scope = auth.DefaultHierarchy().InScope
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
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the warehouse could not be read to authorize the events; nothing was accepted: send them again later")
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
	h.stats.addRejected(rejected)
	h.log.Info("events received", "token", p.Name, "role", p.Role, "unit", p.Unit,
		"lines", v.lines, "accepted", resp.Accepted, "rejected", resp.Rejected, "status", status)
	writeJSON(w, status, resp)
}

// pending is an accepted line waiting for Kafka: its record and its index in the results (-1
// when the answer does not list it).
type pending struct {
	rec    *kgo.Record
	result int
}

// candidate is a line the contract accepts, waiting for the authorization of what it changes.
type candidate struct {
	ev     events.Event // aliases the request's copy of the line
	line   int
	result int // index in the results, or -1
}

// verdicts gathers the results of a request: every line counted, the first MaxResults listed.
type verdicts struct {
	max      int
	listed   []Result
	accepted int
	rejected map[events.Reason]int
	lines    int
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
func (v *verdicts) reject(i int, reason events.Reason, field, message string) {
	v.accepted--
	v.rejected[reason]++
	if i >= 0 {
		v.listed[i].Status, v.listed[i].Reason, v.listed[i].Field, v.listed[i].Message = StatusRejected, string(reason), field, message
	}
}

func (v *verdicts) response() *Response {
	resp := &Response{Accepted: v.accepted, Results: v.listed}
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

// judge reads every line of the body and judges it: decoded and valid by the contract, then
// authorized (see authorizer: the unit, the payload's units, the targets and entities, all in
// the principal's scope). Accepted lines get their source from the token (WithSource). It
// returns the verdicts (accepted ones still to be produced) and the records to produce. A read
// error (the body over its limit included) fails the whole request, so that nothing is
// produced from a body the gateway did not read to its end.
func (h *handler) judge(ctx context.Context, body io.Reader, p auth.Principal) (*verdicts, []pending, error) {
	v := &verdicts{max: h.cfg.MaxResults, listed: []Result{}, rejected: map[events.Reason]int{}}
	var cands []*candidate
	var judge events.Judge
	var slab []byte
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
			v.add(Result{Line: n, Status: StatusRejected, Reason: string(rej.Reason), Field: rej.Field, Message: clip(rej.Message)})
			continue
		}
		c := &candidate{ev: ev, line: n}
		c.result = v.add(Result{Line: n, EventID: ev.ID, Status: StatusAccepted})
		cands = append(cands, c)
	}
	az, err := newAuthorizer(ctx, h.cfg.Lookup, p, h.scope, cands)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errLookup, err)
	}
	var recs []pending
	for _, c := range cands {
		if r := az.judge(&c.ev); r != nil {
			v.reject(c.result, r.reason, r.field, r.message)
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
			v.reject(c.result, events.TooLarge, "source", fmt.Sprintf("with the source the gateway states (%s, token %q) the event is %d bytes, over the limit of %d bytes (1 MiB)",
				src.UnitCode, p.Name, len(value), events.MaxEventSize))
			continue
		}
		recs = append(recs, pending{
			rec:    &kgo.Record{Topic: h.cfg.Topic, Key: []byte(c.ev.UnitCode), Value: value},
			result: c.result,
		})
	}
	return v, recs, nil
}

// errLookup marks a failure to read what the authorization needs from the warehouse.
var errLookup = errors.New("the warehouse could not be read to authorize the events")

// clip shortens a message for the answer: a line's message names the field and the rule, and
// never needs more.
func clip(s string) string {
	if len(s) <= 300 {
		return s
	}
	return s[:297] + "..."
}

// produce sends the records and waits for Kafka to acknowledge or fail each one. A failed
// record's line becomes rejected with reason unavailable; produce reports whether any failed.
func (h *handler) produce(ctx context.Context, recs []pending, v *verdicts) bool {
	rs := make([]*kgo.Record, len(recs))
	for i, pr := range recs {
		rs[i] = pr.rec
	}
	results := h.cfg.Client.ProduceSync(ctx, rs...)
	failed := false
	for i, pr := range results {
		if pr.Err == nil {
			continue
		}
		if !failed {
			h.log.Error("produce events", "topic", h.cfg.Topic, "err", pr.Err)
		}
		failed = true
		v.reject(recs[i].result, Unavailable, "",
			fmt.Sprintf("Kafka did not acknowledge the event (%v); nothing was stored for this line: send it again later", pr.Err))
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
	writeJSON(w, status, errorBody{Error: msg, Code: code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
