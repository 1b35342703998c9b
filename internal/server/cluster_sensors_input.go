package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/tidewatch/tidewatch/internal/asterix"
	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/sensor"
)

// A sensor input in cluster mode (SensorInput.publish set) publishes its
// raw records to the ingest log instead of decoding them
// (cluster_sensors.go): ASTERIX datagrams, TCP data blocks or pcap
// packets with their capture time, NMEA radar lines, a satellite file's
// CSV rows (each batch led by the header) or its GeoJSON document. A
// batch gathers about sensorBatchWindow of records (UDP), a burst of a
// stream (TCP: what it has read when nothing more is buffered), or
// sensorBatchRecords of a file; the records count as accepted
// (SensorInputStats.Records) once the cluster acknowledged the batch,
// and as dropped when it was not (the node stopping, a batch too large).

// maxSensorDocument bounds a GeoJSON detection file published whole (an
// entry of the log is at most 1 MiB).
const maxSensorDocument = 1<<20 - 4096

// errSensorTooLarge: a satellite GeoJSON file too large for one entry of
// the ingest log.
var errSensorTooLarge = errors.New("server: sensor file too large for one entry of the cluster's log (GeoJSON over 1 MiB); use CSV")

// sensorKind is the batch kind of a sensor input type.
func sensorKind(typ string) cluster.SensorKind {
	switch typ {
	case "asterix":
		return cluster.SensorASTERIX
	case "nmea-radar":
		return cluster.SensorRadarNMEA
	}
	return cluster.SensorSAR
}

// sensorBatcher gathers one sensor input's records into batches and
// publishes them. Used by one goroutine.
type sensorBatcher struct {
	s      *SensorInput
	b      cluster.Batch
	size   int
	first  time.Time // wall clock at the first record (the window)
	header []byte    // a CSV file's header, leading every batch
	id     string    // a file's batch ids: name@index; "" for live input
	n      int
}

func (s *SensorInput) newBatcher() *sensorBatcher {
	bt := &sensorBatcher{s: s}
	bt.reset()
	return bt
}

func (bt *sensorBatcher) reset() {
	s := bt.s
	bt.b = cluster.Batch{Input: s.cfg.Name, Sensor: sensorKind(s.cfg.Type), Lines: bt.b.Lines[:0]}
	if st := s.cfg.Site; st != nil {
		bt.b.Site = &cluster.Site{Lat: st.Lat, Lon: st.Lon, HeightM: st.HeightM, SAC: st.SAC, SIC: st.SIC}
	}
	bt.size = 0
	if bt.header != nil {
		bt.b.Lines = append(bt.b.Lines, bt.header)
		bt.size = len(bt.header)
	}
}

// records is the number of records gathered (a CSV header not counted).
func (bt *sensorBatcher) records() int {
	if bt.header != nil {
		return len(bt.b.Lines) - 1
	}
	return len(bt.b.Lines)
}

// add gathers a record (copied) received at the input's now.
func (bt *sensorBatcher) add(rec []byte) {
	if bt.records() == 0 {
		bt.b.Received = bt.s.now()
		bt.first = bt.s.clock()
	}
	bt.b.Lines = append(bt.b.Lines, bytes.Clone(rec))
	bt.size += len(rec) + 3
}

// addASTERIX gathers an ASTERIX payload with its capture time (zero:
// the batch's receive time).
func (bt *sensorBatcher) addASTERIX(capture time.Time, payload []byte) {
	var ns int64
	if !capture.IsZero() {
		ns = capture.UnixNano()
	}
	rec := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(payload)), uint64(ns))
	bt.add(append(rec, payload...))
}

// full says whether the batch should go now (bounds reached).
func (bt *sensorBatcher) full() bool {
	return bt.records() >= sensorBatchRecords || bt.size >= sensorBatchBytes
}

// flush publishes the batch and waits for the acknowledgement.
func (bt *sensorBatcher) flush(ctx context.Context) error {
	n := bt.records()
	if n == 0 {
		return nil
	}
	id := ""
	if bt.id != "" {
		bt.n++
		id = bt.id + "@" + strconv.Itoa(bt.n)
	}
	err := bt.s.publish(ctx, bt.b, id)
	if err != nil {
		bt.s.dropped.Add(int64(n))
	} else {
		bt.s.records.Add(int64(n))
	}
	bt.reset()
	return err
}

// runUDPPublish reads datagrams and publishes them in batches of about
// sensorBatchWindow.
func (s *SensorInput) runUDPPublish(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.conn.Close() })
	defer stop()
	defer s.conn.Close()
	buf := make([]byte, maxDatagram)
	bt := s.newBatcher()
	for {
		deadline := time.Time{}
		if bt.records() > 0 {
			deadline = bt.first.Add(sensorBatchWindow)
		}
		s.conn.SetReadDeadline(deadline)
		k, _, err := s.conn.ReadFrom(buf)
		if err != nil {
			var ne net.Error
			if ctx.Err() == nil && errors.As(err, &ne) && ne.Timeout() {
				if err := bt.flush(ctx); err != nil && ctx.Err() == nil {
					return fmt.Errorf("sensor input %s: %w", s.cfg.Name, err)
				}
				continue
			}
			bt.flush(ctx) // counted as dropped when it cannot go
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("sensor input %s: %w", s.cfg.Name, err)
		}
		s.datagrams.Add(1)
		s.bytes.Add(int64(k))
		s.addPayload(bt, buf[:k])
		if bt.full() || s.clock().Sub(bt.first) >= sensorBatchWindow {
			if err := bt.flush(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("sensor input %s: %w", s.cfg.Name, err)
			}
		}
	}
}

// addPayload gathers a datagram or a stream's data block: one ASTERIX
// record, or its NMEA lines.
func (s *SensorInput) addPayload(bt *sensorBatcher, p []byte) {
	if s.cfg.Type == "asterix" {
		bt.addASTERIX(time.Time{}, p)
		return
	}
	for line := range bytes.Lines(p) {
		if line = bytes.TrimRight(line, "\r\n"); len(line) > 0 {
			bt.add(line)
		}
	}
}

// publishFile publishes a recording or detection file once, in batches
// with ids of the file's name and the batch's place (a restarted node
// publishing the file again within the stream's duplicate window adds
// nothing).
func (s *SensorInput) publishFile(ctx context.Context) error {
	f, err := os.Open(s.cfg.File)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(&countReader{r: f, n: &s.bytes}, 64<<10)
	bt := s.newBatcher()
	bt.id = "sensor:" + s.cfg.Name + ":" + s.cfg.File
	push := func() error {
		if bt.full() {
			return bt.flush(ctx)
		}
		return nil
	}
	head, _ := br.Peek(64 << 10)
	switch {
	case s.cfg.Type == "asterix" && sensor.IsPcap(head):
		p, err := asterix.NewPcapReader(br)
		if err != nil {
			return err
		}
		for {
			dg, err := p.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				s.errs.Add(1)
				break
			}
			s.datagrams.Add(1)
			bt.addASTERIX(dg.Time, dg.Payload)
			if err := push(); err != nil {
				return err
			}
		}
	case s.cfg.Type == "asterix":
		// A raw recording: its data blocks, one record each.
		data, err := io.ReadAll(br)
		if err != nil {
			return err
		}
		for len(data) > 0 {
			l := len(data)
			if len(data) >= 3 {
				if bl := int(binary.BigEndian.Uint16(data[1:])); bl >= 3 && bl <= len(data) {
					l = bl
				}
			}
			bt.addASTERIX(time.Time{}, data[:l]) // a bad block is the decoder's to count
			data = data[l:]
			if err := push(); err != nil {
				return err
			}
		}
	case s.cfg.Type == "sar" && sensor.Sniff(head) == sensor.FormatGeoJSON:
		data, err := io.ReadAll(io.LimitReader(br, maxSensorDocument+1))
		if err != nil {
			return err
		}
		if len(data) > maxSensorDocument {
			s.errs.Add(1)
			return errSensorTooLarge
		}
		bt.add(data)
	default:
		// NMEA radar lines, or a CSV file's rows after its header.
		sc := bufio.NewScanner(br)
		sc.Buffer(make([]byte, 0, 64<<10), maxSensorLine*16)
		first := s.cfg.Type == "sar"
		for sc.Scan() {
			line := bytes.TrimRight(sc.Bytes(), "\r")
			if len(line) == 0 {
				continue
			}
			if first {
				first = false
				bt.header = bytes.Clone(line)
				bt.reset()
				continue
			}
			bt.add(line)
			if err := push(); err != nil {
				return err
			}
		}
		if err := sc.Err(); err != nil {
			s.errs.Add(1)
			return err
		}
	}
	if err := bt.flush(ctx); err != nil {
		return err
	}
	s.log.Info("sensor file published to the cluster", "records", s.records.Load(), "batches", bt.n)
	return nil
}

// publishStream reads one TCP stream to its end, publishing its ASTERIX
// data blocks or NMEA lines: a batch goes when the stream has nothing
// more buffered (the end of a burst: a radar's scan), or at the bounds.
// The stream is not read further until the cluster acknowledged the
// batch (TCP pushes back on the radar).
func (s *SensorInput) publishStream(ctx context.Context, c net.Conn) error {
	br := bufio.NewReaderSize(&countReader{r: &deadlineReader{c: c, idle: s.idleTimeout()}, n: &s.bytes}, 64<<10)
	bt := s.newBatcher()
	defer bt.flush(ctx) // what was read before the end
	block := make([]byte, 0, 64<<10)
	for ctx.Err() == nil {
		if s.cfg.Type == "asterix" {
			var hdr [3]byte
			if _, err := io.ReadFull(br, hdr[:]); err != nil {
				return endOfStream(err)
			}
			l := int(binary.BigEndian.Uint16(hdr[1:]))
			if l < 3 {
				s.errs.Add(1)
				return errAsterixFraming
			}
			block = append(append(block[:0], hdr[:]...), make([]byte, l-3)...)
			if _, err := io.ReadFull(br, block[3:]); err != nil {
				s.errs.Add(1) // a truncated block
				return endOfStream(err)
			}
			bt.addASTERIX(time.Time{}, block)
		} else {
			line, err := br.ReadSlice('\n')
			if errors.Is(err, bufio.ErrBufferFull) || len(line) > maxSensorLine {
				s.errs.Add(1)
				for errors.Is(err, bufio.ErrBufferFull) {
					_, err = br.ReadSlice('\n')
				}
				if err != nil {
					return endOfStream(err)
				}
				continue
			}
			if line = bytes.TrimRight(line, "\r\n"); len(line) > 0 {
				bt.add(line)
			}
			if err != nil {
				return endOfStream(err)
			}
		}
		if bt.full() || br.Buffered() == 0 {
			if err := bt.flush(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}
