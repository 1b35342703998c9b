package ingest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// ErrEmptyReplay is returned by a looping Replay whose file holds no
// observation: looping it would spin.
var ErrEmptyReplay = errors.New("ingest: nothing to replay")

// minPause is the shortest wait a Replay sleeps: a report due sooner goes
// out at once, and the schedule (computed from the start, not from the
// previous report) absorbs the difference, so pacing does not drift.
const minPause = 10 * time.Millisecond

// ReplayConfig configure a Replay. File and Sink are required.
type ReplayConfig struct {
	InputOptions
	// File is the recording: NMEA (tag blocks, receiver or archive
	// timestamps) or a decoded CSV that ReadCSV knows, plain or gzip.
	File string
	// Speed is the replay rate: 1 is real time, 60 is sixty times real
	// time, 0 as fast as the sink takes it (with Overflow Block) or the
	// queue allows.
	Speed float64
	// Loop starts the file again at its end, until ctx is done.
	Loop bool
	// ShiftToNow moves every report's time so that the replay appears
	// live: the first report is stamped Now(), and each later one the
	// time at which the schedule emits it (start + (t - first)/Speed).
	// With Speed 0 the file is read once first for its newest time, and
	// the whole first pass is shifted to end at Now() (start = Now() -
	// (newest - first)), so that it lands as recent history with no time
	// in the future. A loop's next pass continues after the last time
	// emitted, so times keep increasing; with Speed 0 such a pass waits
	// for a report that would be stamped after Now(), so no report is
	// ever stamped in the future.
	ShiftToNow bool
	// CSV are the options for a CSV file; Source defaults to the Name.
	CSV CSVOptions
}

// Replay plays a recorded file as a live input, paced by the reports'
// times. Reports whose time is only their arrival (NMEA without a tag
// block or receiver time) are not paced: they go out as they are read,
// stamped Now(). Its methods are safe for concurrent use.
type Replay struct {
	opt  ReplayConfig
	q    *queue
	life lifecycle

	passes atomic.Int64
	mu     sync.Mutex
	done   Counters // counters of finished passes
	cur    *decoder // the NMEA pass in progress
	curCSV int64    // observations of the CSV pass in progress
	format Format
}

// NewReplay returns a Replay of cfg.File; Run opens it.
func NewReplay(cfg ReplayConfig) (*Replay, error) {
	opt, err := cfg.InputOptions.withDefaults("replay:" + cfg.File)
	if err != nil {
		return nil, err
	}
	cfg.InputOptions = opt
	if cfg.File == "" {
		return nil, errors.New("ingest: replay needs a file")
	}
	if !(cfg.Speed >= 0) {
		return nil, fmt.Errorf("ingest: replay %s: speed %v is not a non-negative number", cfg.File, cfg.Speed)
	}
	if cfg.CSV.Source == "" {
		cfg.CSV.Source = cfg.Name
	}
	if cfg.Publish != nil && (cfg.Speed != 0 || cfg.Loop || cfg.ShiftToNow) {
		return nil, fmt.Errorf("ingest: replay %s: line mode (cluster) replays once, as fast as it is accepted: no speed, loop or shift to now", cfg.File)
	}
	return &Replay{opt: cfg, q: newQueue(cfg.QueueBatches, cfg.Overflow)}, nil
}

// Name returns the input's name.
func (r *Replay) Name() string { return r.opt.Name }

// Run replays the file (again and again with Loop) until its end, ctx is
// done or Close is called, delivers what is queued to the Sink, and
// returns nil; it returns an error when the file cannot be opened or read
// or is neither NMEA nor a known CSV. Run may be called once.
func (r *Replay) Run(ctx context.Context) error {
	ctx, err := r.life.start(ctx)
	if err != nil {
		return err
	}
	defer r.life.finish()
	stopDelivery := r.q.startDelivery(r.opt.Sink)
	defer stopDelivery()

	b := newBatcher(ctx, r.q, r.opt.BatchSize)
	p := &pacer{speed: r.opt.Speed, shift: r.opt.ShiftToNow, now: r.opt.Now, sleep: r.opt.Sleep}
	if p.shift && p.speed == 0 {
		first, newest, err := r.span(ctx)
		if err != nil {
			return fmt.Errorf("ingest: %s: %w", r.opt.Name, err)
		}
		p.span = time.Duration(newest-first) * time.Millisecond
	}
	for {
		n, err := r.pass(ctx, b, p)
		b.flush()
		r.passes.Add(1)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			return fmt.Errorf("ingest: %s: %w", r.opt.Name, err)
		case !r.opt.Loop:
			return nil
		case n == 0:
			return fmt.Errorf("ingest: %s: %w", r.opt.Name, ErrEmptyReplay)
		}
		p.started = false
	}
}

// replayReader counts the bytes a replay's decoder reads.
type replayReader struct {
	r io.Reader
	d *decoder
}

func (rr *replayReader) Read(p []byte) (int, error) {
	n, err := rr.r.Read(p)
	rr.d.bytes += int64(n)
	rr.d.publish()
	return n, err
}

// pass replays the file once and returns the observations it emitted.
func (r *Replay) pass(ctx context.Context, b *batcher, p *pacer) (int64, error) {
	f, err := os.Open(r.opt.File)
	if err != nil {
		return 0, err
	}
	rc, err := maybeGzip(f)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	br, ok := rc.(bufferedFile)
	var in *bufio.Reader
	if ok {
		in = br.Reader
	} else {
		in = bufio.NewReaderSize(rc, 64<<10)
	}
	format, err := Sniff(in)
	if err != nil {
		return 0, err
	}
	r.mu.Lock()
	r.format = format
	r.mu.Unlock()
	if r.opt.Publish != nil {
		if format == FormatCSV {
			return 0, ErrLineModeCSV
		}
		return r.passLines(ctx, in)
	}

	var n int64
	var d *decoder // of an NMEA pass
	flush := func() {
		b.flush()
		if d != nil {
			d.publish()
		}
	}
	emit := func(o *vessel.Observation) error {
		if err := p.pace(ctx, o, flush); err != nil {
			return err
		}
		n++
		return b.add(o)
	}
	if format == FormatCSV {
		cr := &countingReader{r: in}
		st, err := ReadCSV(ctx, cr, r.opt.CSV, func(o *vessel.Observation) error {
			r.mu.Lock()
			r.curCSV++
			r.mu.Unlock()
			return emit(o)
		})
		r.mu.Lock()
		r.curCSV = 0
		r.done.add(Counters{
			Bytes: cr.n.Load(), Lines: st.Lines, Messages: st.Rows, Observations: st.Positions + st.Statics,
			Rejected: st.Rejected, LastMessage: r.opt.Now(),
		})
		r.mu.Unlock()
		return n, err
	}

	rr := &replayReader{r: in}
	d = newDecoder(rr, r.opt.NMEA, r.opt.Now, r.opt.Name, r.opt.Lines)
	rr.d = d
	r.mu.Lock()
	r.cur = d
	r.mu.Unlock()
	err = d.run(emit)
	c := d.counters()
	r.mu.Lock()
	r.cur = nil
	r.done.add(c)
	r.mu.Unlock()
	return n, err
}

// span reads the file once and returns the first and the newest time of
// its paced reports (those with a time of their own).
func (r *Replay) span(ctx context.Context) (first, newest vessel.Time, err error) {
	f, err := os.Open(r.opt.File)
	if err != nil {
		return 0, 0, err
	}
	rc, err := maybeGzip(f)
	if err != nil {
		return 0, 0, err
	}
	defer rc.Close()
	in := bufio.NewReaderSize(rc, 64<<10)
	format, err := Sniff(in)
	if err != nil {
		return 0, 0, err
	}
	see := func(o *vessel.Observation) error {
		if o.TimeSource == vessel.TimeArrival || o.TimeSource == vessel.TimeUnknown {
			return ctx.Err()
		}
		if first == 0 {
			first = o.Time()
		}
		newest = max(newest, o.Time())
		return ctx.Err()
	}
	if format == FormatCSV {
		_, err = ReadCSV(ctx, in, r.opt.CSV, see)
	} else {
		err = newDecoder(in, r.opt.NMEA, r.opt.Now, r.opt.Name, nil).run(see)
	}
	return first, newest, err
}

// pacer schedules a replay's reports. It is used by Run's goroutine only.
type pacer struct {
	speed float64
	shift bool
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	span    time.Duration // ShiftToNow at Speed 0: the file's newest time minus its first
	started bool          // the pass has emitted its first paced report
	first   vessel.Time   // that report's time
	start   time.Time     // when it was emitted
	last    vessel.Time   // the latest shifted time emitted (all passes)
}

// pace waits until o is due (calling flush first, to hand what is due to
// the queue now) and shifts its time.
func (p *pacer) pace(ctx context.Context, o *vessel.Observation, flush func()) error {
	if o.TimeSource == vessel.TimeArrival || o.TimeSource == vessel.TimeUnknown {
		return nil
	}
	t := o.Time()
	if !p.started {
		p.started, p.first, p.start = true, t, p.now()
		if p.shift && p.speed == 0 {
			p.start = p.start.Add(-p.span) // the pass ends now, not after it
		}
		if p.shift && p.last != 0 && !p.start.After(p.last.Std()) {
			// A loop's next pass: continue after the last time emitted.
			p.start = p.last.Std().Add(time.Second)
		}
	}
	offset := time.Duration(t-p.first) * time.Millisecond
	if p.speed > 0 {
		offset = time.Duration(float64(offset) / p.speed)
		due := p.start.Add(offset)
		if wait := due.Sub(p.now()); wait >= minPause {
			flush()
			if err := p.sleep(ctx, wait); err != nil {
				return err
			}
		}
	}
	if p.shift {
		due := p.start.Add(offset)
		if p.speed == 0 {
			// Never a time in the future: wait for it (a loop's later
			// passes, or a file whose times go back and forth).
			if wait := due.Sub(p.now()); wait > 0 {
				flush()
				if err := p.sleep(ctx, wait); err != nil {
					return err
				}
			}
		}
		st := vessel.TimeOf(due)
		setTime(o, st)
		p.last = max(p.last, st)
	}
	return nil
}

// setTime sets the time of o.
func setTime(o *vessel.Observation, t vessel.Time) {
	switch o.Kind {
	case vessel.KindStatic:
		o.Static.Time = t
	case vessel.KindAidToNav:
		o.Position.Time, o.Static.Time = t, t
	default:
		o.Position.Time = t
	}
}

// ReplayStats are a Replay's counters over all its passes. Messages,
// Lines and Rejected of a CSV pass are added when the pass ends.
type ReplayStats struct {
	InputStats
	Format Format // of the file, once opened
	Passes int64  // passes finished (or stopped)
}

// Stats returns the counters so far.
func (r *Replay) Stats() ReplayStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := ReplayStats{
		InputStats: InputStats{Name: r.opt.Name, Counters: r.done.clone(), Queue: r.q.stats(), LineMode: r.opt.lineCount.stats()},
		Format:     r.format,
		Passes:     r.passes.Load(),
	}
	if r.cur != nil {
		st.Counters.add(r.cur.counters())
	}
	st.Observations += r.curCSV
	return st
}

// Close stops Run if it is running and waits for it to return.
func (r *Replay) Close() error {
	r.life.close()
	return nil
}

// passLines publishes the file's lines (line mode): in order, in batches
// cut by size only, each accepted before the next is read, each with an
// id made of the input's name, a digest of the file's first 64 KiB and
// the byte range it covers, so that the same file gives the same batches
// and ids on every pass (a publisher deduplicating by id lands a batch
// once across a restart). It returns the lines published.
func (r *Replay) passLines(ctx context.Context, in *bufio.Reader) (int64, error) {
	head, _ := in.Peek(64 << 10)
	sum := sha256.Sum256(head)
	lb := newLineBatcher(ctx, &r.opt.InputOptions, r.opt.lineCount, r.opt.Name)
	lb.sized = true
	lb.idStem = r.opt.Name + ":" + hex.EncodeToString(sum[:8])
	before := r.opt.lineCount.lines.Load()
	rr := &replayReader{r: in}
	d := newLineDecoder(rr, r.opt.Now, r.opt.Name, lb)
	rr.d = d
	r.mu.Lock()
	r.cur = d
	r.mu.Unlock()
	err := d.run(nil)
	if err == nil {
		err = lb.flushAll()
	}
	c := d.counters()
	r.mu.Lock()
	r.cur = nil
	r.done.add(c)
	r.mu.Unlock()
	return r.opt.lineCount.lines.Load() - before, err
}
