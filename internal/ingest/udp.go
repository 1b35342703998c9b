package ingest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// UDPConfig configure a UDPListener. Listen and Sink are required.
type UDPConfig struct {
	InputOptions
	// Listen is the address to listen on, "host:port" (port 0 picks one;
	// see Addr).
	Listen string
	// Source names the observations of messages without a tag-block
	// source: the input's Name (default) or each datagram's sender host.
	Source SourceNaming
	// ReadBuffer sets the socket's receive buffer in bytes (SO_RCVBUF);
	// zero leaves the system default. A larger buffer rides out bursts
	// that arrive while the reader is busy.
	ReadBuffer int
}

// UDPListener reads NMEA from UDP datagrams (AIS-catcher, rtl-ais and
// most receivers' "UDP output") and delivers the observations to its Sink.
// A datagram may hold any number of whole lines; a datagram without a
// final line terminator ends its line anyway. All datagrams go through
// one framer, so the fragments of a multi-sentence message may arrive in
// separate datagrams. Its methods are safe for concurrent use.
type UDPListener struct {
	opt  UDPConfig
	conn *net.UDPConn
	q    *queue
	life lifecycle

	datagrams, readErrors atomic.Int64
	mu                    sync.Mutex
	d                     *decoder // set by Run
}

// NewUDPListener binds cfg.Listen. Run reads; Close releases the socket
// if Run is never called.
func NewUDPListener(cfg UDPConfig) (*UDPListener, error) {
	opt, err := cfg.InputOptions.withDefaults("udp:" + cfg.Listen)
	if err != nil {
		return nil, err
	}
	cfg.InputOptions = opt
	addr, err := net.ResolveUDPAddr("udp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("ingest: %s: %w", cfg.Name, err)
	}
	conn, err := net.ListenUDP("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("ingest: %s: %w", cfg.Name, err)
	}
	if cfg.ReadBuffer > 0 {
		if err := conn.SetReadBuffer(cfg.ReadBuffer); err != nil {
			conn.Close()
			return nil, fmt.Errorf("ingest: %s: %w", cfg.Name, err)
		}
	}
	return &UDPListener{opt: cfg, conn: conn, q: newQueue(cfg.QueueBatches, cfg.Overflow)}, nil
}

// Addr returns the address the listener is bound to.
func (u *UDPListener) Addr() net.Addr { return u.conn.LocalAddr() }

// Name returns the input's name.
func (u *UDPListener) Name() string { return u.opt.Name }

// maxDatagram is the largest UDP payload (IPv4: 65,535 - 8 - 20 bytes;
// IPv6 jumbograms aside), plus room for a line terminator.
const maxDatagram = 65535 + 1

// datagramReader presents datagrams as one stream of lines to the
// decoder. It is used by Run's goroutine only.
type datagramReader struct {
	u       *UDPListener
	ctx     context.Context
	buf     []byte
	cur     []byte // unread rest of the current datagram
	d       *decoder
	b       *batcher
	lb      *lineBatcher          // line mode
	sources map[netip.Addr]string // SourceRemote names, bounded
}

func (r *datagramReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		r.b.flush()
		r.d.publish()
		batch := false
		if r.lb != nil {
			// Line mode: wait no longer than the open batch's window
			// (a wall-clock deadline, as network deadlines are).
			due, ok := r.lb.due()
			if err := r.u.conn.SetReadDeadline(due); err != nil {
				return 0, err
			}
			batch = ok
		}
		n, from, err := r.u.conn.ReadFromUDPAddrPort(r.buf[:len(r.buf)-1])
		if err != nil {
			if errors.Is(err, net.ErrClosed) || r.ctx.Err() != nil {
				return 0, err
			}
			if batch && errors.Is(err, os.ErrDeadlineExceeded) {
				if err := r.lb.flush(false); err != nil {
					return 0, err
				}
				continue
			}
			// A transient error (an ICMP report, a full buffer): count it and
			// read on, so that one bad moment does not end the input.
			r.u.readErrors.Add(1)
			if r.u.opt.Sleep(r.ctx, 10*time.Millisecond) != nil {
				return 0, r.ctx.Err()
			}
			continue
		}
		r.u.datagrams.Add(1)
		r.d.bytes += int64(n)
		if n == 0 {
			continue
		}
		if r.buf[n-1] != '\n' {
			r.buf[n] = '\n'
			n++
		}
		r.cur = r.buf[:n]
		if r.sources != nil {
			r.d.source = r.source(from.Addr().Unmap())
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

func (r *datagramReader) source(a netip.Addr) string {
	if s, ok := r.sources[a]; ok {
		return s
	}
	if len(r.sources) >= maxInterned {
		clear(r.sources)
	}
	s := "udp:" + a.String()
	r.sources[a] = s
	return s
}

// Run reads datagrams until ctx is done or Close is called, then delivers
// what is queued to the Sink and returns nil; it returns an error only if
// the socket fails for good. Run may be called once.
func (u *UDPListener) Run(ctx context.Context) error {
	ctx, err := u.life.start(ctx)
	if err != nil {
		return err
	}
	defer u.life.finish()
	stopDelivery := u.q.startDelivery(u.opt.Sink)
	defer stopDelivery()
	stopRead := context.AfterFunc(ctx, func() { u.conn.Close() })
	defer stopRead()

	r := &datagramReader{u: u, ctx: ctx, buf: make([]byte, maxDatagram)}
	if u.opt.Source == SourceRemote {
		r.sources = make(map[netip.Addr]string)
	}
	if u.opt.Publish != nil {
		r.lb = newLineBatcher(ctx, &u.opt.InputOptions, u.opt.lineCount, u.opt.Name)
		r.d = newLineDecoder(r, u.opt.Now, u.opt.Name, r.lb)
	} else {
		r.d = newDecoder(r, u.opt.NMEA, u.opt.Now, u.opt.Name, u.opt.Lines)
	}
	r.b = newBatcher(ctx, u.q, u.opt.BatchSize)
	u.mu.Lock()
	u.d = r.d
	u.mu.Unlock()

	err = r.d.run(r.b.add)
	if r.lb != nil {
		r.lb.flushAll() // when ctx is done, counted as lost
	}
	u.conn.Close()
	r.b.flush()
	if ctx.Err() != nil || err == nil {
		return nil
	}
	return fmt.Errorf("ingest: %s: %w", u.opt.Name, err)
}

// UDPStats are a UDPListener's counters.
type UDPStats struct {
	InputStats
	Datagrams  int64 // datagrams received, empty ones included
	ReadErrors int64 // transient receive errors
}

// Stats returns the counters so far, as of the last datagram read.
func (u *UDPListener) Stats() UDPStats {
	st := UDPStats{
		InputStats: InputStats{Name: u.opt.Name, Queue: u.q.stats(), LineMode: u.opt.lineCount.stats()},
		Datagrams:  u.datagrams.Load(),
		ReadErrors: u.readErrors.Load(),
	}
	u.mu.Lock()
	d := u.d
	u.mu.Unlock()
	if d != nil {
		st.Counters = d.counters()
	}
	return st
}

// Close stops Run if it is running and waits for it to return, and closes
// the socket.
func (u *UDPListener) Close() error {
	u.life.close()
	err := u.conn.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}
