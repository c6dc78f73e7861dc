// Package faultnet is a TCP proxy that injects network faults between a client and a server.
// On a schedule drawn from a seeded random source it drops a live connection (a plain close),
// stalls one (stops forwarding both ways for a while, holding what it has read), or resets one
// (an abortive close that sends TCP RST), and it counts every fault, connection and byte, so
// that a test can show the faults really hit the traffic it meant to disturb.
//
// A Kafka broker advertises its own address in metadata responses, so a client that only
// bootstraps through a proxy talks to the broker directly afterwards. Dial is the client's
// dialer (franz-go's kgo.Dialer): it sends every connection for the target through the proxy,
// whatever address the client was told.
package faultnet

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Kind is a kind of fault.
type Kind string

// The kinds of fault the proxy injects.
const (
	Drop  Kind = "drop"  // close both sides of the connection
	Stall Kind = "stall" // forward nothing either way for a while
	Reset Kind = "reset" // close the client's side with RST, the server's side plainly
)

// Options configures a Proxy. The zero value injects no faults.
type Options struct {
	// Seed drives the schedule: the gaps between faults, their kinds, their victims and the
	// lengths of stalls.
	Seed uint64
	// Interval is the mean time between faults: each gap is drawn between half of it and one
	// and a half times it. Zero injects no faults.
	Interval time.Duration
	// Kinds are the kinds to draw from, uniformly (default all three).
	Kinds []Kind
	// MaxStall bounds a stall (default 1 s); a stall lasts from a tenth of it to all of it.
	MaxStall time.Duration
}

// Stats counts what the proxy did.
type Stats struct {
	Conns    int64          `json:"connections"` // connections accepted
	Bypassed int64          `json:"bypassed"`    // dials for other addresses, which Dial made directly
	ToServer int64          `json:"bytes_to_server"`
	ToClient int64          `json:"bytes_to_client"`
	Faults   map[Kind]int64 `json:"faults"`
	// OnBusy counts the faults that hit a connection which had carried data in the last second:
	// a fault on an idle connection tests less.
	OnBusy int64 `json:"faults_on_busy"`
}

// Total is the number of faults injected.
func (s Stats) Total() int64 {
	var n int64
	for _, c := range s.Faults {
		n += c
	}
	return n
}

// Proxy forwards the connections it accepts to one target address, injecting faults.
type Proxy struct {
	target string
	ln     net.Listener
	opts   Options
	done   chan struct{}
	wg     sync.WaitGroup

	conns, bypassed, toServer, toClient atomic.Int64

	mu     sync.Mutex
	rng    *rand.Rand
	links  map[int64]*link
	nextID int64
	faults map[Kind]int64
	onBusy int64
	paused bool
}

// Start listens on a free local port and forwards every connection to target.
func Start(target string, o Options) (*Proxy, error) {
	if o.MaxStall <= 0 {
		o.MaxStall = time.Second
	}
	if len(o.Kinds) == 0 {
		o.Kinds = []Kind{Drop, Stall, Reset}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultnet: listen: %w", err)
	}
	p := &Proxy{target: target, ln: ln, opts: o, done: make(chan struct{}),
		rng: rand.New(rand.NewPCG(o.Seed, 0x6661756c74)), links: map[int64]*link{}, faults: map[Kind]int64{}}
	p.wg.Add(1)
	go p.accept()
	if o.Interval > 0 {
		p.wg.Add(1)
		go p.schedule()
	}
	return p, nil
}

// Addr is the proxy's listening address.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Dial connects to the proxy when host is the proxy's target, and to host itself otherwise
// (counted as bypassed). Its signature is that of franz-go's kgo.Dialer.
func (p *Proxy) Dial(ctx context.Context, network, host string) (net.Conn, error) {
	var d net.Dialer
	if host != p.target {
		p.bypassed.Add(1)
		return d.DialContext(ctx, network, host)
	}
	return d.DialContext(ctx, network, p.Addr())
}

// Pause stops injecting faults until Resume; connections keep being forwarded.
func (p *Proxy) Pause() { p.mu.Lock(); p.paused = true; p.mu.Unlock() }

// Resume injects faults again after Pause.
func (p *Proxy) Resume() { p.mu.Lock(); p.paused = false; p.mu.Unlock() }

// Stats returns the counts so far.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Stats{Conns: p.conns.Load(), Bypassed: p.bypassed.Load(), ToServer: p.toServer.Load(),
		ToClient: p.toClient.Load(), Faults: map[Kind]int64{}, OnBusy: p.onBusy}
	for _, k := range []Kind{Drop, Stall, Reset} {
		s.Faults[k] = p.faults[k]
	}
	return s
}

// Close stops the proxy, closes every connection and waits for its goroutines to end.
func (p *Proxy) Close() error {
	close(p.done)
	err := p.ln.Close()
	p.mu.Lock()
	for _, l := range p.links {
		l.close(false)
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		p.conns.Add(1)
		p.wg.Add(1)
		go p.serve(c)
	}
}

// serve forwards one connection until either side ends it or a fault does.
func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	l := &link{client: client, server: server, done: make(chan struct{})}
	p.mu.Lock()
	select {
	case <-p.done:
		p.mu.Unlock()
		l.close(false)
		return
	default:
	}
	p.nextID++
	l.id = p.nextID
	p.links[l.id] = l
	p.mu.Unlock()

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); l.pipe(server, client, &p.toServer) }()
	go func() { defer wg.Done(); l.pipe(client, server, &p.toClient) }()
	wg.Wait()
	p.mu.Lock()
	delete(p.links, l.id)
	p.mu.Unlock()
}

// schedule injects a fault after every gap until the proxy closes.
func (p *Proxy) schedule() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		gap := p.opts.Interval/2 + time.Duration(p.rng.Int64N(int64(p.opts.Interval)))
		p.mu.Unlock()
		select {
		case <-p.done:
			return
		case <-time.After(gap):
		}
		p.inject()
	}
}

// inject applies one fault to one live connection, both drawn from the seeded source; with no
// live connection there is nothing to hit, and nothing is counted.
func (p *Proxy) inject() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused || len(p.links) == 0 {
		return
	}
	ids := make([]int64, 0, len(p.links))
	for id := range p.links {
		ids = append(ids, id)
	}
	// Sorted, so that the same seed picks the same victim among the same connections.
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	l := p.links[ids[p.rng.IntN(len(ids))]]
	kind := p.opts.Kinds[p.rng.IntN(len(p.opts.Kinds))]
	if time.Since(time.Unix(0, l.lastData.Load())) < time.Second {
		p.onBusy++
	}
	p.faults[kind]++
	switch kind {
	case Drop:
		l.close(false)
	case Reset:
		l.close(true)
	case Stall:
		d := p.opts.MaxStall/10 + time.Duration(p.rng.Int64N(int64(p.opts.MaxStall-p.opts.MaxStall/10)+1))
		l.stallUntil.Store(time.Now().Add(d).UnixNano())
	}
}

// link is one proxied connection.
type link struct {
	id             int64
	client, server net.Conn
	done           chan struct{}
	once           sync.Once
	stallUntil     atomic.Int64 // unix nanoseconds; nothing is forwarded before
	lastData       atomic.Int64 // unix nanoseconds of the last forwarded bytes
}

// pipe copies src to dst, holding each chunk while the link is stalled, and closes the link
// when either side ends.
func (l *link) pipe(dst, src net.Conn, count *atomic.Int64) {
	defer l.close(false)
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !l.waitStall() {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
			count.Add(int64(n))
			l.lastData.Store(time.Now().UnixNano())
		}
		if err != nil {
			return
		}
	}
}

// waitStall waits for a stall to end; it reports false if the link closed meanwhile.
func (l *link) waitStall() bool {
	for {
		d := time.Until(time.Unix(0, l.stallUntil.Load()))
		if d <= 0 {
			return true
		}
		t := time.NewTimer(d)
		select {
		case <-l.done:
			t.Stop()
			return false
		case <-t.C:
		}
	}
}

// close ends both sides once; with reset, the client's side ends with RST instead of FIN.
func (l *link) close(reset bool) {
	l.once.Do(func() {
		if tc, ok := l.client.(*net.TCPConn); ok && reset {
			_ = tc.SetLinger(0)
		}
		close(l.done)
		l.client.Close()
		l.server.Close()
	})
}
