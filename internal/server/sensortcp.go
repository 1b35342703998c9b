package server

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// errAsterixFraming: a TCP ASTERIX stream holds a data block whose length
// field is less than its own header; the stream cannot be resynchronised
// and the connection is closed.
var errAsterixFraming = errors.New("server: ASTERIX stream: data block length below 3")

// idleTimeout is the input's idle timeout for TCP connections.
func (s *SensorInput) idleTimeout() time.Duration {
	d, _ := durationOf("idle_timeout", s.cfg.IdleTimeout) // validated
	if d <= 0 {
		d = sensorIdle
	}
	return d
}

// runTCPServer accepts radars' connections until ctx ends; each
// connection is read on its own goroutine with its own decoder, at most
// MaxConns (default sensorMaxConns) at once: more are closed at once and
// counted as refused.
func (s *SensorInput) runTCPServer(ctx context.Context) error {
	maxConns := s.cfg.MaxConns
	if maxConns <= 0 {
		maxConns = sensorMaxConns
	}
	var (
		mu   sync.Mutex
		open = map[net.Conn]struct{}{}
		wg   sync.WaitGroup
	)
	stop := context.AfterFunc(ctx, func() {
		s.ln.Close()
		mu.Lock()
		for c := range open {
			c.Close()
		}
		mu.Unlock()
	})
	defer stop()
	defer wg.Wait()
	defer s.ln.Close()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("sensor input %s: %w", s.cfg.Name, err)
		}
		mu.Lock()
		if len(open) >= maxConns || ctx.Err() != nil {
			mu.Unlock()
			c.Close()
			s.refused.Add(1)
			continue
		}
		open[c] = struct{}{}
		mu.Unlock()
		s.conns.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				mu.Lock()
				delete(open, c)
				mu.Unlock()
				c.Close()
			}()
			if err := s.readStream(ctx, c); err != nil && ctx.Err() == nil {
				s.log.Info("sensor connection closed", "remote", c.RemoteAddr().String(), "err", err)
			}
		}()
	}
}

// runTCPClient connects to the radar's server at Address and reads its
// stream, connecting again after an error or the end of the stream with
// a backoff that starts at a tenth of a second and doubles up to
// sensorRetryMax (reset by a connection that delivered data), until ctx
// ends.
func (s *SensorInput) runTCPClient(ctx context.Context) error {
	var d net.Dialer
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		c, err := d.DialContext(ctx, "tcp", s.cfg.Address)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			s.refused.Add(1)
		} else {
			s.conns.Add(1)
			stop := context.AfterFunc(ctx, func() { c.Close() })
			before := s.bytes.Load()
			err = s.readStream(ctx, c)
			stop()
			c.Close()
			if ctx.Err() != nil {
				break
			}
			if s.bytes.Load() > before {
				wait = 100 * time.Millisecond
			}
			s.log.Info("sensor connection ended; connecting again", "address", s.cfg.Address, "err", err, "wait", wait)
		}
		if s.sleep(ctx, wait) != nil {
			break
		}
		wait = min(2*wait, sensorRetryMax)
	}
	return nil
}

// readStream reads one TCP stream to its end: NMEA radar lines, or
// ASTERIX data blocks (category, 16-bit length, records). Detections go
// to the tracker when the stream has nothing more buffered, or by
// streamBatch; a live stream does not wait for the tracker (a full queue
// drops the batch, counted). The connection's NMEA state (own-ship
// fixes) is its own; reports still waiting for an own-ship fix at the
// end are placed by extrapolation.
func (s *SensorInput) readStream(ctx context.Context, c net.Conn) error {
	if s.publish != nil {
		return s.publishStream(ctx, c)
	}
	idle := s.idleTimeout()
	br := bufio.NewReaderSize(&countReader{r: &deadlineReader{c: c, idle: idle}, n: &s.bytes}, 64<<10)
	dec := s.newDatagramDecoder()
	var dets []vessel.Detection
	flush := func(force bool) {
		if len(dets) > 0 && (force || br.Buffered() == 0 || len(dets) >= streamBatch) {
			s.emit(dets)
			dets = dets[:0]
		}
	}
	defer func() {
		if dec.rd != nil {
			dets = dec.rd.Flush(dets)
		}
		flush(true)
	}()
	block := make([]byte, 0, 64<<10)
	for n := 1; ctx.Err() == nil; n++ {
		var records, errs int64
		if dec.ax != nil {
			var hdr [3]byte
			if _, err := io.ReadFull(br, hdr[:]); err != nil {
				return endOfStream(err)
			}
			l := int(binary.BigEndian.Uint16(hdr[1:]))
			if l < 3 {
				s.errs.Add(1)
				return errAsterixFraming
			}
			block = append(block[:0], hdr[:]...)
			block = block[:l]
			if _, err := io.ReadFull(br, block[3:]); err != nil {
				s.errs.Add(1) // a truncated block
				return endOfStream(err)
			}
			dets, records, errs = dec.decode(dets, block, n, s.now())
		} else {
			line, err := br.ReadSlice('\n')
			if errors.Is(err, bufio.ErrBufferFull) || len(line) > maxSensorLine {
				// A line longer than any sentence: count it, skip to its end.
				s.errs.Add(1)
				for errors.Is(err, bufio.ErrBufferFull) {
					_, err = br.ReadSlice('\n')
				}
				if err != nil {
					return endOfStream(err)
				}
				continue
			}
			if len(line) > 0 {
				dets, records, errs = dec.decode(dets, line, n, s.now())
			}
			if err != nil {
				s.records.Add(records)
				s.errs.Add(errs)
				return endOfStream(err)
			}
		}
		s.records.Add(records)
		s.errs.Add(errs)
		flush(false)
	}
	return nil
}

// endOfStream maps the end of a stream to nil.
func endOfStream(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// deadlineReader reads from a connection with an idle timeout per read.
type deadlineReader struct {
	c    net.Conn
	idle time.Duration
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	if err := d.c.SetReadDeadline(time.Now().Add(d.idle)); err != nil {
		return 0, err
	}
	return d.c.Read(p)
}
