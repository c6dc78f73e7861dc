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

// Response is the JSON answer to a request whose lines were judged.
type Response struct {
	Accepted int      `json:"accepted"`
	Rejected int      `json:"rejected"`
	Results  []Result `json:"results"`
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
	if p.Role != auth.RoleReporter && p.Role != auth.RoleAdmin {
		h.stats.Forbidden.Add(1)
		writeError(w, http.StatusForbidden, "forbidden_role",
			fmt.Sprintf("token %q has role %s, which may not send events; only reporter and admin tokens may", p.Name, p.Role))
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
	resp, recs, err := h.judge(body, p)
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
		if h.produce(ctx, recs, resp) {
			status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", "30")
		}
	}
	rejected := map[events.Reason]int64{}
	for _, res := range resp.Results {
		if res.Status == StatusAccepted {
			resp.Accepted++
		} else {
			resp.Rejected++
			rejected[events.Reason(res.Reason)]++
		}
	}
	h.stats.Accepted.Add(int64(resp.Accepted))
	h.stats.addRejected(rejected)
	h.log.Info("events received", "token", p.Name, "role", p.Role, "unit", p.Unit,
		"lines", len(resp.Results), "accepted", resp.Accepted, "rejected", resp.Rejected, "status", status)
	writeJSON(w, status, resp)
}

// pending is an accepted line waiting for Kafka: its record and its index in the results.
type pending struct {
	rec    *kgo.Record
	result int
}

// judge reads every line of the body and judges it: decoded and valid by the contract, then in
// the principal's scope. It returns the results (accepted ones still to be produced) and the
// records to produce. A read error (the body over its limit included) fails the whole request,
// so that nothing is produced from a body the gateway did not read to its end.
func (h *handler) judge(body io.Reader, p auth.Principal) (*Response, []pending, error) {
	resp := &Response{Results: []Result{}}
	var recs []pending
	var dec events.Decoder
	var slab []byte
	rd := ndjson.NewReader(body)
	for {
		line, n, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return resp, recs, nil
		}
		if err != nil {
			return nil, nil, err
		}
		ev, err := dec.Decode(line)
		if err != nil {
			rej := events.RejectionOf(err)
			resp.Results = append(resp.Results, Result{Line: n, Status: StatusRejected,
				Reason: string(rej.Reason), Field: rej.Field, Message: rej.Message})
			continue
		}
		if p.Role != auth.RoleAdmin && !h.scope(p.Unit, ev.UnitCode) {
			resp.Results = append(resp.Results, Result{Line: n, EventID: ev.ID, Status: StatusRejected,
				Reason: string(ForbiddenUnit), Field: "unit_code",
				Message: fmt.Sprintf("unit_code %s is not unit %s or a unit below it, the only units token %q may send events for", ev.UnitCode, p.Unit, p.Name)})
			continue
		}
		// The reader reuses its line buffer, and the client holds a record until Kafka
		// acknowledges it: the line is copied, small ones into a shared slab.
		if cap(slab)-len(slab) < len(line) {
			slab = make([]byte, 0, max(256<<10, len(line)))
		}
		i := len(slab)
		slab = append(slab, line...)
		value := slab[i:len(slab):len(slab)]
		recs = append(recs, pending{
			rec:    &kgo.Record{Topic: h.cfg.Topic, Key: []byte(ev.UnitCode), Value: value},
			result: len(resp.Results),
		})
		resp.Results = append(resp.Results, Result{Line: n, EventID: ev.ID, Status: StatusAccepted})
	}
}

// produce sends the records and waits for Kafka to acknowledge or fail each one. A failed
// record's line becomes rejected with reason unavailable; produce reports whether any failed.
func (h *handler) produce(ctx context.Context, recs []pending, resp *Response) bool {
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
		res := &resp.Results[recs[i].result]
		res.Status = StatusRejected
		res.Reason = string(Unavailable)
		res.Message = fmt.Sprintf("Kafka did not acknowledge the event (%v); nothing was stored for this line: send it again later", pr.Err)
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
