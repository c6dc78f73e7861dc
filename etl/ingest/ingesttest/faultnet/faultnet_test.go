package faultnet_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/etl/ingest/ingesttest/faultnet"
)

// echo starts a server that writes back what it reads, until the test ends.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); io.Copy(c, c); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

// roundTrip sends a message through c and reads it back.
func roundTrip(c net.Conn, msg []byte) error {
	if _, err := c.Write(msg); err != nil {
		return err
	}
	got := make([]byte, len(msg))
	_, err := io.ReadFull(c, got)
	return err
}

// Without faults the proxy forwards both ways and counts the bytes; Dial routes the target's
// address through the proxy and any other directly.
func TestForwardsAndCounts(t *testing.T) {
	target := echo(t)
	p, err := faultnet.Start(target, faultnet.Options{})
	require.NoError(t, err)
	c, err := p.Dial(context.Background(), "tcp", target)
	require.NoError(t, err)
	require.NoError(t, roundTrip(c, []byte("hello, broker")))
	c.Close()
	other := echo(t)
	d, err := p.Dial(context.Background(), "tcp", other)
	require.NoError(t, err)
	d.Close()
	require.NoError(t, p.Close())
	s := p.Stats()
	require.Equal(t, int64(1), s.Conns)
	require.Equal(t, int64(1), s.Bypassed)
	require.Equal(t, int64(13), s.ToServer)
	require.Equal(t, int64(13), s.ToClient)
	require.Zero(t, s.Total())
}

// Each kind of fault does to a live connection what it says: a drop ends it, a reset ends it
// with RST, a stall delays it and then lets the bytes through whole.
func TestFaultKinds(t *testing.T) {
	target := echo(t)
	for _, kind := range []faultnet.Kind{faultnet.Drop, faultnet.Reset, faultnet.Stall} {
		t.Run(string(kind), func(t *testing.T) {
			p, err := faultnet.Start(target, faultnet.Options{Seed: 1, Interval: 100 * time.Millisecond,
				Kinds: []faultnet.Kind{kind}, MaxStall: 300 * time.Millisecond})
			require.NoError(t, err)
			defer p.Close()
			c, err := p.Dial(context.Background(), "tcp", target)
			require.NoError(t, err)
			defer c.Close()
			require.NoError(t, roundTrip(c, []byte("before")))
			// Wait for the first fault to land on the only connection.
			require.Eventually(t, func() bool { return p.Stats().Total() > 0 }, 5*time.Second, 10*time.Millisecond)
			p.Pause()
			err = roundTrip(c, []byte("after"))
			switch kind {
			case faultnet.Stall:
				require.NoError(t, err, "a stall delays bytes but loses none")
			case faultnet.Reset:
				require.True(t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE), "got %v", err)
			case faultnet.Drop:
				require.Error(t, err)
			}
			require.Equal(t, int64(1), p.Stats().Faults[kind])
		})
	}
}
