package ingest

import (
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/thanhhoa-ntm/ntm/etl/dedupe"
	"github.com/thanhhoa-ntm/ntm/events"
)

// verdict is what decoding and validating one record found, before the dedupe decision.
type verdict struct {
	rec   *kgo.Record
	ev    events.Event
	rej   *events.Rejection // nil when the event is valid
	gw    *events.Verdict   // the event gateway's verdict, when the record carries one
	key   dedupe.Key
	hash  uint64
	skip  bool // every table has judged this record already
	evSkp bool // events_log has judged it
	dlSkp bool // dead_letters has judged it
}

// judge decodes and validates recs into out on all workers. Order is kept: out[i] is recs[i].
// Validation is the costly part of ingest, and records are independent, so it runs on every
// core; the decisions that depend on earlier records (dedupe) are taken afterwards, in order.
func judge(recs []*kgo.Record, out []verdict, ws []*worker) {
	workers := min(len(ws), max(1, len(recs)/256))
	var wg sync.WaitGroup
	chunk := (len(recs) + workers - 1) / workers
	for w := range workers {
		lo, hi := w*chunk, min(len(recs), (w+1)*chunk)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := ws[w]
			for i := lo; i < hi; i++ {
				v := &out[i]
				if v.skip {
					continue
				}
				wk.judge1(v)
			}
		}()
	}
	wg.Wait()
}

// worker is one judging goroutine's reusable state.
type worker struct {
	judge events.Judge
}

func (wk *worker) judge1(v *verdict) {
	// A line the event gateway rejected comes as its verdict in the headers; the verdict can
	// only reject (events.VerdictOf), so it is taken as it is, without judging the value.
	if len(v.rec.Headers) > 0 {
		hs := make([]events.Header, len(v.rec.Headers))
		for i, h := range v.rec.Headers {
			hs[i] = events.Header{Key: h.Key, Value: h.Value}
		}
		if gv, ok := events.VerdictOf(hs); ok {
			v.gw, v.rej = &gv, &gv.Rejection
			return
		}
	}
	ev, err := wk.judge.Line(v.rec.Value)
	if err != nil {
		v.rej = events.RejectionOf(err)
		return
	}
	v.ev = ev
	v.key = dedupe.KeyOfString(ev.ID)
	v.hash = wk.judge.Hash(&v.ev)
}
