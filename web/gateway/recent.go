package gateway

import "sync"

// recent remembers the content hashes of the events this gateway had acknowledged by Kafka
// lately, by event_id. The warehouse lags Kafka by ingest's flush interval (5 seconds by
// default), and a commune that resends an event with changed content does so within seconds:
// without this memory the gateway would answer accepted and ingest would dead-letter the event
// as a conflict, unseen by the sender. It is one process's memory: several gateways behind a
// balancer, or a restart, leave the conflicts of that window to ingest's dead letters.
//
// It holds two generations of at most max ids each: when the current one is full it becomes
// the previous one and the oldest is dropped, so memory stays bounded (about 100 bytes an id)
// and an id is remembered for at least max later ids. The zero value remembers nothing.
type recent struct {
	mu        sync.Mutex
	max       int
	cur, prev map[string]uint64
}

func newRecent(max int) *recent {
	if max <= 0 {
		return &recent{}
	}
	return &recent{max: max, cur: make(map[string]uint64)}
}

// get returns the hash of the event id acknowledged lately, if it was.
func (r *recent) get(id string) (uint64, bool) {
	if r.max == 0 {
		return 0, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if h, ok := r.cur[id]; ok {
		return h, true
	}
	h, ok := r.prev[id]
	return h, ok
}

// add remembers an event Kafka acknowledged. The first hash of an id stands, as the first
// event stands in the warehouse.
func (r *recent) add(id string, hash uint64) {
	if r.max == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.cur[id]; ok {
		return
	}
	if _, ok := r.prev[id]; ok {
		return
	}
	if len(r.cur) >= r.max {
		r.prev, r.cur = r.cur, make(map[string]uint64, r.max)
	}
	r.cur[id] = hash
}
