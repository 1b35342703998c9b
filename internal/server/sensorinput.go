package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidewatch/tidewatch/internal/asterix"
	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/sensor"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// maxDatagram is the largest sensor datagram read.
const maxDatagram = 64 << 10

// SensorInputStats are a sensor input's counters.
type SensorInputStats struct {
	Datagrams  int64 // datagrams received (UDP)
	Bytes      int64 // bytes read
	Records    int64 // lines, rows or ASTERIX records read
	Detections int64 // detections made
	Errors     int64 // bad lines, rows or data blocks (each counted once)
	Dropped    int64 // detections the contact tracker's full queue dropped
	Conns      int64 // TCP connections accepted or made
	Refused    int64 // TCP connections refused (MaxConns reached) or dials that failed
}

// Bounds of the sensor inputs' TCP transports.
const (
	// sensorMaxConns is a tcp-server sensor input's default bound on open
	// connections (Input.MaxConns); more are closed at once and counted.
	sensorMaxConns = 16
	// sensorIdle is the default idle timeout of a TCP sensor connection
	// (Input.IdleTimeout).
	sensorIdle = 10 * time.Minute
	// sensorRetryMax bounds the wait before a tcp-client sensor input
	// dials again (the waits start at a tenth of a second and double).
	sensorRetryMax = 30 * time.Second
	// maxSensorLine is the longest NMEA line read from a stream; a longer
	// one is counted as an error and skipped.
	maxSensorLine = 4096
	// streamBatch bounds the detections handed on together from a stream.
	streamBatch = 1024
)

// SensorInput is a radar or satellite input ("asterix", "nmea-radar",
// "sar"): datagrams to a UDP address, a TCP stream (a server radars
// connect to, or a client of a radar's server), or a file read once at
// start (paced by its times at Input.Speed times real time, or as fast as
// the tracker takes it), turned into detections for the ContactTracker.
// Bad input is counted, never fatal. Its Stats are safe for concurrent
// use.
type SensorInput struct {
	cfg  Input
	log  *slog.Logger
	now  func() time.Time
	sink *ContactTracker
	conn net.PacketConn // UDP; nil otherwise
	ln   net.Listener   // tcp-server; nil otherwise

	// clock and sleep pace a file replay (real time unless a test sets
	// them).
	clock func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	// publish, in cluster mode, takes the input's raw records to the
	// ingest log instead of decoding them (cluster_sensors_input.go);
	// set before Run.
	publish func(ctx context.Context, b cluster.Batch, id string) error

	datagrams, bytes, records, detections, errs, dropped atomic.Int64
	conns, refused                                       atomic.Int64
}

// NewSensorInput makes a sensor input; a UDP or tcp-server one binds its
// address now.
func NewSensorInput(c Input, sink *ContactTracker, log *slog.Logger, now func() time.Time) (*SensorInput, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &SensorInput{cfg: c, log: log.With("component", "sensor", "source", c.Name), now: now, sink: sink,
		clock: time.Now, sleep: sleepCtx}
	if c.Listen != "" {
		var err error
		if c.Transport == "tcp-server" {
			s.ln, err = net.Listen("tcp", c.Listen)
		} else {
			s.conn, err = net.ListenPacket("udp", c.Listen)
		}
		if err != nil {
			return nil, fmt.Errorf("sensor input %s: %w", c.Name, err)
		}
	}
	return s, nil
}

// Addr is the UDP or TCP address it listens on (nil otherwise).
func (s *SensorInput) Addr() net.Addr {
	switch {
	case s.conn != nil:
		return s.conn.LocalAddr()
	case s.ln != nil:
		return s.ln.Addr()
	}
	return nil
}

// close closes what NewSensorInput bound.
func (s *SensorInput) close() {
	if s.conn != nil {
		s.conn.Close()
	}
	if s.ln != nil {
		s.ln.Close()
	}
}

// Stats returns the counters.
func (s *SensorInput) Stats() SensorInputStats {
	return SensorInputStats{Datagrams: s.datagrams.Load(), Bytes: s.bytes.Load(), Records: s.records.Load(),
		Detections: s.detections.Load(), Errors: s.errs.Load(), Dropped: s.dropped.Load(),
		Conns: s.conns.Load(), Refused: s.refused.Load()}
}

// Run reads until ctx ends (UDP, TCP) or the file is read.
func (s *SensorInput) Run(ctx context.Context) error {
	switch {
	case s.conn != nil && s.publish != nil:
		return s.runUDPPublish(ctx)
	case s.conn != nil:
		return s.runUDP(ctx)
	case s.ln != nil:
		return s.runTCPServer(ctx)
	case s.cfg.Transport == "tcp-client":
		return s.runTCPClient(ctx)
	}
	read := s.readFile
	if s.publish != nil {
		read = s.publishFile
	}
	err := read(ctx)
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("sensor input %s: %w", s.cfg.Name, err)
	}
	return nil
}

func (s *SensorInput) asterixOptions() sensor.AsterixOptions {
	opt := sensor.AsterixOptions{Date: s.now()}
	if st := s.cfg.Site; st != nil {
		opt.Sites = map[asterix.SourceID]asterix.Site{{SAC: st.SAC, SIC: st.SIC}: {Lat: st.Lat, Lon: st.Lon, HeightM: st.HeightM}}
	}
	return opt
}

func (s *SensorInput) radarOptions() sensor.RadarOptions {
	opt := sensor.RadarOptions{Source: s.cfg.Name, Date: s.now()}
	if st := s.cfg.Site; st != nil {
		// The input's site: every source on it without own-ship data (the
		// tag-block s: field names the radar, not the input).
		opt.Sites = []sensor.Site{{Lat: st.Lat, Lon: st.Lon}}
	}
	return opt
}

// runUDP decodes each datagram as it comes: ASTERIX data blocks, or NMEA
// lines. A datagram's detections go to the tracker as one batch.
func (s *SensorInput) runUDP(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.conn.Close() })
	defer stop()
	defer s.conn.Close()
	buf := make([]byte, maxDatagram)
	var dets []vessel.Detection
	dec := s.newDatagramDecoder()
	for n := 1; ; n++ {
		k, _, err := s.conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("sensor input %s: %w", s.cfg.Name, err)
		}
		s.datagrams.Add(1)
		s.bytes.Add(int64(k))
		var records, errs int64
		dets, records, errs = dec.decode(dets[:0], buf[:k], n, s.now())
		s.records.Add(records)
		s.errs.Add(errs)
		s.emit(dets)
	}
}

// datagramDecoder decodes a UDP sensor input's datagrams: ASTERIX data
// blocks, or NMEA radar lines (a sentence never spans datagrams).
type datagramDecoder struct {
	ax   *sensor.Asterix
	rd   *sensor.Radar
	last sensor.Stats
}

func (s *SensorInput) newDatagramDecoder() *datagramDecoder {
	if s.cfg.Type == "asterix" {
		return &datagramDecoder{ax: sensor.NewAsterix(s.asterixOptions())}
	}
	return &datagramDecoder{rd: sensor.NewRadar(s.radarOptions())}
}

// decode appends the detections of datagram number n, received at now,
// to dst, and says how many records (lines) it held and how many were
// bad.
func (d *datagramDecoder) decode(dst []vessel.Detection, payload []byte, n int, now time.Time) (_ []vessel.Detection, records, errs int64) {
	var st sensor.Stats
	if d.ax != nil {
		dst = d.ax.Decode(dst, payload, n, now)
		st = d.ax.Stats()
	} else {
		for line := range bytes.Lines(payload) {
			dst, _ = d.rd.Parse(dst, bytes.TrimRight(line, "\r\n")) // counted in Stats
		}
		st = d.rd.Stats()
	}
	records, errs = st.Lines-d.last.Lines, st.Errors-d.last.Errors
	d.last = st
	return dst, records, errs
}

// emit hands detections to the tracker (copied: the buffer is reused).
func (s *SensorInput) emit(dets []vessel.Detection) {
	if len(dets) == 0 {
		return
	}
	s.detections.Add(int64(len(dets)))
	if !s.sink.Submit(append([]vessel.Detection(nil), dets...)) {
		s.dropped.Add(int64(len(dets)))
	}
}

// readFile reads a recording or detection file once, handing its
// detections to the tracker in batches, waiting for room (a file must
// not lose its own data), paced by their times when Speed is set.
func (s *SensorInput) readFile(ctx context.Context) error {
	f, err := os.Open(s.cfg.File)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(&countReader{r: f, n: &s.bytes}, 64<<10)
	var batch []vessel.Detection
	var pace replayPace
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if s.cfg.Speed > 0 {
			if err := pace.wait(ctx, s, batch[0].Time); err != nil {
				return err
			}
		}
		s.detections.Add(int64(len(batch)))
		err := s.sink.SubmitWait(ctx, batch)
		batch = nil
		return err
	}
	emit := func(d *vessel.Detection) error {
		if len(batch) > 0 && (batch[0].Scene != d.Scene || len(batch) >= 1024) {
			if err := flush(); err != nil {
				return err
			}
		}
		batch = append(batch, *d)
		return nil
	}
	var st sensor.Stats
	switch s.cfg.Type {
	case "asterix":
		st, err = sensor.ReadAsterix(br, s.asterixOptions(), emit)
	case "nmea-radar":
		st, err = sensor.ReadRadar(br, s.radarOptions(), emit)
	default:
		head, _ := br.Peek(64 << 10)
		opt := sensor.SatOptions{Time: s.now()}
		if sensor.Sniff(head) == sensor.FormatGeoJSON {
			st, err = sensor.ReadGeoJSON(br, opt, emit)
		} else {
			_, st, err = sensor.ReadSat(br, opt, emit)
		}
	}
	s.records.Add(st.Lines)
	s.errs.Add(st.Errors)
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	s.log.Info("sensor file read", "records", st.Lines, "detections", st.Detections, "errors", st.Errors)
	return nil
}

// replayPace paces a file replay by the detections' times: the batch
// dated t is handed on Speed times faster than the file's time since its
// first batch, by the input's clock; a batch dated before the latest one
// goes at once.
type replayPace struct {
	started bool
	wall0   time.Time
	t0      vessel.Time
}

func (p *replayPace) wait(ctx context.Context, s *SensorInput, t vessel.Time) error {
	if !p.started {
		p.started, p.wall0, p.t0 = true, s.clock(), t
		return nil
	}
	due := p.wall0.Add(time.Duration(float64(t-p.t0) * float64(time.Millisecond) / s.cfg.Speed))
	if d := due.Sub(s.clock()); d > 0 {
		return s.sleep(ctx, d)
	}
	return nil
}

type countReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n.Add(int64(k))
	return k, err
}

// sensorCollector exposes the sensor inputs' and the contact tracker's
// counters.
type sensorCollector struct {
	inputs  []*SensorInput
	tracker *ContactTracker
}

var (
	mSenDatagrams = prometheus.NewDesc("tidewatch_sensor_datagrams_total", "Datagrams received, per sensor input.", []string{"input", "type"}, nil)
	mSenRecords   = prometheus.NewDesc("tidewatch_sensor_records_total", "Lines, rows or ASTERIX records read, per sensor input.", []string{"input", "type"}, nil)
	mSenDets      = prometheus.NewDesc("tidewatch_sensor_detections_total", "Detections made, per sensor input.", []string{"input", "type"}, nil)
	mSenErrors    = prometheus.NewDesc("tidewatch_sensor_errors_total", "Bad lines, rows or data blocks, per sensor input.", []string{"input", "type"}, nil)
	mSenDropped   = prometheus.NewDesc("tidewatch_sensor_dropped_total", "Detections dropped because the contact tracker's queue was full, per sensor input.", []string{"input", "type"}, nil)
	mConContacts  = prometheus.NewDesc("tidewatch_contacts_total", "Contacts made by the contact tracker, by association (associated, dark, rejected).", []string{"result"}, nil)
	mConAIS       = prometheus.NewDesc("tidewatch_contacts_ais_dropped_total", "AIS states the contact tracker's full queue dropped.", nil, nil)
	mConEpisodes  = prometheus.NewDesc("tidewatch_contacts_episode_events_total", "Dark-target and AIS-position-mismatch event versions raised.", nil, nil)
)

func (c *sensorCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{mSenDatagrams, mSenRecords, mSenDets, mSenErrors, mSenDropped, mConContacts, mConAIS, mConEpisodes} {
		ch <- d
	}
}

func (c *sensorCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for _, in := range c.inputs {
		st := in.Stats()
		counter(mSenDatagrams, st.Datagrams, in.cfg.Name, in.cfg.Type)
		counter(mSenRecords, st.Records, in.cfg.Name, in.cfg.Type)
		counter(mSenDets, st.Detections, in.cfg.Name, in.cfg.Type)
		counter(mSenErrors, st.Errors, in.cfg.Name, in.cfg.Type)
		counter(mSenDropped, st.Dropped, in.cfg.Name, in.cfg.Type)
	}
	st := c.tracker.Stats()
	counter(mConContacts, st.Associated, "associated")
	counter(mConContacts, st.Contacts-st.Associated, "dark")
	counter(mConContacts, st.Rejected, "rejected")
	counter(mConAIS, st.AISDropped)
	counter(mConEpisodes, st.Episodes)
}
