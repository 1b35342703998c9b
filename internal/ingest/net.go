package ingest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/nmea"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// This file holds what the live inputs (TCPServer, TCPClient, UDPListener,
// Replay) share: the sink and its bounded queue, the options every input
// takes, the decoding loop and the counters.
//
// Every live input is a component: its constructor binds what must be
// bound (a listening socket) and starts nothing; Run(ctx) owns all of its
// goroutines and returns when ctx is cancelled, on a fatal error, or (a
// Replay without Loop) at the end of its file, with every goroutine it
// started stopped; Close stops a running Run and waits for it. Stats may
// be called from any goroutine at any time.
//
// Inside an input, the goroutines that read the network (one per TCP
// connection, one per UDP socket) decode lines into observations and push
// them in batches onto a queue of QueueBatches batches; one delivery
// goroutine pops batches and calls the Sink. The readers never wait for
// the sink: when the queue is full, the Overflow policy decides which batch
// is lost, and the loss is counted.

// Sink receives a batch of observations from an input. It takes
// ownership of the slice. An input calls its Sink from one goroutine at a
// time, in queue order. A Sink may block, but while it does the input's
// queue fills and overflows (see Overflow); on shutdown, Run waits for the
// Sink to take what is still queued, so a Sink must eventually return.
type Sink func(batch []vessel.Observation)

// Overflow is what an input does with a batch when its queue is full.
type Overflow uint8

const (
	// DropOldest discards the oldest queued batch to make room: the sink
	// sees the newest reports, the freshest picture. The default.
	DropOldest Overflow = iota
	// DropNewest discards the batch that does not fit: the sink sees an
	// unbroken prefix of the input and then a gap.
	DropNewest
	// Block makes the reader wait for room: nothing is lost, and a slow
	// sink slows the input (TCP flow control pushes back on the sender, a
	// Replay falls behind its schedule; a UDP sender's datagrams are
	// dropped by the kernel instead). For replays and load tests, not for
	// live feeds that must not stall.
	Block
)

var overflowNames = [...]string{"drop_oldest", "drop_newest", "block"}

// String returns "drop_oldest", "drop_newest" or "block".
func (o Overflow) String() string {
	if int(o) < len(overflowNames) {
		return overflowNames[o]
	}
	return "unknown"
}

// SourceNaming says what an input puts in the Source of an observation
// whose message has no tag-block s: field (a tag-block source always wins).
type SourceNaming uint8

const (
	// SourceInput uses the input's Name. The default.
	SourceInput SourceNaming = iota
	// SourceRemote uses the network and remote host of the connection or
	// datagram, without the port ("tcp:192.0.2.7", "udp:192.0.2.7"), so
	// that receivers pushing to one listener stay apart.
	SourceRemote
)

// Defaults for InputOptions.
const (
	DefaultQueueBatches = 256
	DefaultBatchSize    = 256
)

// Errors returned by Run.
var (
	// ErrClosed: Run was called after Close.
	ErrClosed = errors.New("ingest: input closed")
	// ErrRunning: Run was called while the input was already running.
	ErrRunning = errors.New("ingest: input already running")
)

// InputOptions are the settings every live input shares. Only Sink is
// required.
type InputOptions struct {
	// Name names the input in metrics and logs, and is the source of
	// observations without a tag-block source (see SourceNaming). Each
	// input type has a default ("tcp-server:" and the listen address,
	// "tcp:" and the remote address, "udp:" and the listen address,
	// "replay:" and the file).
	Name string
	// Sink receives the observations.
	Sink Sink
	// QueueBatches bounds the queue between the readers and the sink, in
	// batches. Zero means DefaultQueueBatches.
	QueueBatches int
	// BatchSize is the most observations in one batch. A reader also hands
	// over a smaller batch whenever it is about to wait for input, so a
	// quiet feed is not delayed. Zero means DefaultBatchSize.
	BatchSize int
	// Overflow is the policy when the queue is full (default DropOldest).
	Overflow Overflow
	// NMEA are the framing options (line length limit, tag checksums).
	NMEA Options
	// Now is the clock for arrival times, health and replay pacing. Nil
	// means time.Now.
	Now func() time.Time
	// Sleep waits for d or until ctx is done, when it returns ctx.Err().
	// It paces replays and reconnection backoff. Nil means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives connection events and fatal errors (never one line
	// per bad message: those are counted). Nil discards.
	Logger *slog.Logger
	// Lines, when set, receives every line of NMEA the input reads
	// (without its line ending; lines over MaxTeeLine are skipped), with
	// the source its observations get, on the reading goroutine as the
	// line is read (a replay reads up to 64 KiB ahead of its pacing).
	// It must not block and must not keep line (the node's NMEA relay
	// copies it into a bounded queue).
	Lines func(source string, line []byte)
	// Publish, when set, puts the input in line mode (a node in cluster
	// mode): it decodes nothing and delivers nothing to Sink (which may
	// be nil); it hands the raw lines it reads, in batches of about
	// LineBatch.Window, to Publish, on the reading goroutine, and reads
	// on once Publish accepted the batch (see linemode.go). The fragments
	// of a multi-sentence message are never split across two batches.
	// Lines is not called in line mode. A replay in line mode must be of
	// an NMEA file, and is read as fast as Publish accepts (no pacing,
	// Speed, Loop and ShiftToNow are refused).
	Publish Publish
	// LineBatch bounds line mode's batches.
	LineBatch LineBatchOptions

	lineCount *lineCounters // line mode's counters, shared by the input's readers
}

// MaxTeeLine is the longest line handed to InputOptions.Lines.
const MaxTeeLine = 4096

// withDefaults returns o with its zero values replaced.
func (o InputOptions) withDefaults(defaultName string) (InputOptions, error) {
	if o.Sink == nil && o.Publish == nil {
		return o, errors.New("ingest: input needs a sink")
	}
	if o.Sink == nil {
		o.Sink = func([]vessel.Observation) {}
	}
	if o.Publish != nil {
		o.lineCount = &lineCounters{}
		o.Lines = nil
	}
	if o.Name == "" {
		o.Name = defaultName
	}
	if o.QueueBatches <= 0 {
		o.QueueBatches = DefaultQueueBatches
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Overflow > Block {
		return o, errors.New("ingest: unknown overflow policy")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// sleep is the default InputOptions.Sleep.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Counters count what an input, or one of its connections, has read. The
// zero value is empty.
type Counters struct {
	Bytes        int64 // bytes read (datagram payloads for UDP; decompressed for a replayed file)
	Lines        int64 // input lines (CSV lines for a replayed CSV)
	Sentences    int64 // AIS sentences accepted by the framer
	Messages     int64 // AIS messages decoded (CSV data rows)
	NotAIS       int64 // lines skipped as not AIS (other NMEA, blank)
	Observations int64 // observations made (before the queue)
	// Rejected counts rejected lines, fragments and payloads by class, as
	// Stats.Errors (CSV rows by reason for a replayed CSV).
	Rejected map[string]int64
	// LastMessage is the arrival time of the last decoded message; zero
	// if none.
	LastMessage time.Time
}

// add adds o to c.
func (c *Counters) add(o Counters) {
	c.Bytes += o.Bytes
	c.Lines += o.Lines
	c.Sentences += o.Sentences
	c.Messages += o.Messages
	c.NotAIS += o.NotAIS
	c.Observations += o.Observations
	if len(o.Rejected) > 0 && c.Rejected == nil {
		c.Rejected = make(map[string]int64, len(o.Rejected))
	}
	for k, v := range o.Rejected {
		c.Rejected[k] += v
	}
	if o.LastMessage.After(c.LastMessage) {
		c.LastMessage = o.LastMessage
	}
}

// clone returns a copy of c that shares no map.
func (c Counters) clone() Counters {
	c.Rejected = maps.Clone(c.Rejected)
	return c
}

// QueueStats describe an input's queue to its sink.
type QueueStats struct {
	Policy           Overflow
	Len, Cap         int   // batches queued now, and the bound
	Delivered        int64 // observations handed to the sink
	DeliveredBatches int64
	Dropped          int64 // observations lost on overflow
	DroppedBatches   int64
}

// InputStats are the counters of an input, as of the call to Stats.
type InputStats struct {
	Name string
	Counters
	Queue QueueStats
	// LineMode counts what the input published in line mode (zero
	// otherwise).
	LineMode LineModeStats
}

// queue is the bounded hand-off from an input's readers to its sink. Any
// number of goroutines may push; one goroutine runs deliver.
type queue struct {
	ch     chan []vessel.Observation
	policy Overflow

	delivered, deliveredBatches atomic.Int64
	dropped, droppedBatches     atomic.Int64
}

func newQueue(n int, policy Overflow) *queue {
	return &queue{ch: make(chan []vessel.Observation, n), policy: policy}
}

// push queues b, applying the overflow policy. With Block it waits for
// room until ctx is done; a batch it then cannot queue is dropped.
func (q *queue) push(ctx context.Context, b []vessel.Observation) {
	select {
	case q.ch <- b:
		return
	default:
	}
	switch q.policy {
	case Block:
		select {
		case q.ch <- b:
			return
		case <-ctx.Done():
		}
	case DropOldest:
		for {
			select {
			case old := <-q.ch:
				q.drop(old)
			default:
			}
			select {
			case q.ch <- b:
				return
			default: // another reader took the room: drop again
			}
		}
	}
	q.drop(b)
}

func (q *queue) drop(b []vessel.Observation) {
	q.dropped.Add(int64(len(b)))
	q.droppedBatches.Add(1)
}

// deliver calls sink with every queued batch until stop is closed, then
// with what is still queued, and returns.
func (q *queue) deliver(sink Sink, stop <-chan struct{}) {
	for {
		select {
		case b := <-q.ch:
			q.send(sink, b)
		case <-stop:
			for {
				select {
				case b := <-q.ch:
					q.send(sink, b)
				default:
					return
				}
			}
		}
	}
}

func (q *queue) send(sink Sink, b []vessel.Observation) {
	q.delivered.Add(int64(len(b)))
	q.deliveredBatches.Add(1)
	sink(b)
}

func (q *queue) stats() QueueStats {
	return QueueStats{
		Policy: q.policy, Len: len(q.ch), Cap: cap(q.ch),
		Delivered: q.delivered.Load(), DeliveredBatches: q.deliveredBatches.Load(),
		Dropped: q.dropped.Load(), DroppedBatches: q.droppedBatches.Load(),
	}
}

// startDelivery starts the goroutine that feeds the sink; the returned
// function stops it after it has delivered what is queued, and waits.
func (q *queue) startDelivery(sink Sink) (stop func()) {
	stopc := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		q.deliver(sink, stopc)
	}()
	return func() {
		close(stopc)
		<-done
	}
}

// batcher collects one reader's observations into batches for a queue.
// It is owned by one goroutine.
type batcher struct {
	ctx     context.Context
	q       *queue
	size    int
	pending []vessel.Observation
}

func newBatcher(ctx context.Context, q *queue, size int) *batcher {
	return &batcher{ctx: ctx, q: q, size: size, pending: make([]vessel.Observation, 0, size)}
}

func (b *batcher) add(o *vessel.Observation) error {
	b.pending = append(b.pending, *o)
	if len(b.pending) >= b.size {
		b.flush()
	}
	return nil
}

// flush hands the pending observations to the queue.
func (b *batcher) flush() {
	if len(b.pending) == 0 {
		return
	}
	batch := slices.Clone(b.pending)
	clear(b.pending) // drop references to strings
	b.pending = b.pending[:0]
	b.q.push(b.ctx, batch)
}

// setSource sets the source of o to name when the message had none.
func setSource(o *vessel.Observation, name string) {
	switch o.Kind {
	case vessel.KindStatic:
		if o.Static.Source == "" {
			o.Static.Source = name
		}
	case vessel.KindAidToNav:
		if o.Position.Source == "" {
			o.Position.Source = name
			o.Static.Source = name
		}
	default:
		if o.Position.Source == "" {
			o.Position.Source = name
		}
	}
}

// decoder turns one byte stream of NMEA into observations. Its loop runs
// on one goroutine; its counters are published under mu for Stats.
type decoder struct {
	rd     *nmea.Reader
	dec    ais.Decoder
	ob     Observer
	out    []vessel.Observation
	now    func() time.Time
	source string // for messages without a tag-block source

	// Owned by the loop's goroutine, copied to pub by publish.
	msgs, obs, bytes int64
	last             vessel.Time
	lines            int64 // line mode: lines read

	// Line mode (InputOptions.Publish): no nmea.Reader; raw is read.
	lb  *lineBatcher
	raw io.Reader

	mu      sync.Mutex
	pub     Counters // without Rejected
	ns      nmea.Stats
	payload map[string]int64 // payload errors by class; written under mu
}

func newDecoder(r io.Reader, opt Options, now func() time.Time, source string, lines func(string, []byte)) *decoder {
	d := &decoder{
		out:     make([]vessel.Observation, 0, 2),
		now:     now,
		source:  source,
		payload: make(map[string]int64),
	}
	if lines != nil {
		r = &lineTee{r: r, d: d, sink: lines}
	}
	d.rd = nmea.NewReader(r, readerOptions(opt))
	return d
}

// newLineDecoder returns the decoder of an input in line mode: it reads
// r through a lineTee into lb and decodes nothing.
func newLineDecoder(r io.Reader, now func() time.Time, source string, lb *lineBatcher) *decoder {
	d := &decoder{now: now, source: source, payload: make(map[string]int64), lb: lb}
	d.raw = &lineTee{r: r, d: d, lb: lb}
	return d
}

// lineTee splits what is read through it into lines, and hands each to
// a sink (InputOptions.Lines) or, in line mode, to a lineBatcher, with
// the decoder's current source. It is the one line reader of every
// input, in either mode.
type lineTee struct {
	r    io.Reader
	d    *decoder
	sink func(string, []byte)
	lb   *lineBatcher
	part []byte // a line begun in an earlier read
	long bool   // the current line is over MaxTeeLine: skipped
	off  int64  // bytes before the current read
	err  error  // the line batcher's error
}

func (t *lineTee) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	b := p[:n]
	base := t.off
	t.off += int64(n)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if !t.long && len(t.part)+len(b) > MaxTeeLine {
				t.long, t.part = true, t.part[:0]
			}
			if !t.long {
				t.part = append(t.part, b...)
			}
			break
		}
		line := b[:i]
		if len(t.part) > 0 {
			t.part = append(t.part, line...)
			line = t.part
		}
		end := base + int64(n-len(b)+i+1)
		if !t.long && len(line) <= MaxTeeLine {
			t.emit(line, end)
		}
		t.part, t.long = t.part[:0], false
		b = b[i+1:]
	}
	if err != nil && len(t.part) > 0 { // the last line had no line ending
		if !t.long {
			t.emit(t.part, t.off+1)
		}
		t.part, t.long = t.part[:0], false
	}
	if t.err != nil {
		return n, t.err
	}
	return n, err
}

// emit hands on a line that ends at offset end (after its line ending).
func (t *lineTee) emit(line []byte, end int64) {
	line = bytes.TrimRight(line, "\r")
	if len(line) == 0 {
		return
	}
	if t.lb != nil {
		t.d.lines++
		if err := t.lb.add(t.d.source, line, end); err != nil && t.err == nil {
			t.err = err
		}
		return
	}
	t.sink(t.d.source, line)
}

// run decodes until the input ends (nil) or fails (the read error), and
// calls emit for every observation; an error from emit stops it and is
// returned.
func (d *decoder) run(emit func(*vessel.Observation) error) error {
	defer d.publish()
	if d.lb != nil {
		return d.runLines()
	}
	for {
		m, err := d.rd.Next()
		if err != nil {
			var le *nmea.LineError
			if errors.As(err, &le) {
				continue // counted by the nmea.Reader
			}
			if err == io.EOF {
				return nil
			}
			return err
		}
		msg, err := d.dec.Decode(m.Payload, m.Fill)
		if err != nil {
			d.mu.Lock()
			d.payload[PayloadClass(err)]++
			d.mu.Unlock()
			continue
		}
		d.msgs++
		d.last = vessel.TimeOf(d.now())
		d.out = d.ob.Observe(Decoded{Msg: msg, NMEA: m}, d.last, d.out[:0])
		for i := range d.out {
			d.obs++
			setSource(&d.out[i], d.source)
			if err := emit(&d.out[i]); err != nil {
				return err
			}
		}
	}
}

// runLines reads the input through its lineTee into its lineBatcher
// (line mode) until it ends (nil), fails, or Publish fails (that error).
func (d *decoder) runLines() error {
	buf := make([]byte, 32<<10)
	for {
		_, err := d.raw.Read(buf)
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// publish makes the counters so far visible to counters.
func (d *decoder) publish() {
	d.mu.Lock()
	if d.rd != nil {
		d.ns = d.rd.Stats()
	} else {
		d.ns.Lines = d.lines
	}
	d.pub.Messages, d.pub.Observations, d.pub.Bytes = d.msgs, d.obs, d.bytes
	if d.last != 0 {
		d.pub.LastMessage = d.last.Std()
	}
	d.mu.Unlock()
}

// counters returns the published counters; safe from any goroutine.
func (d *decoder) counters() Counters {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := makeStats(d.ns, d.payload, d.pub.Messages)
	c := d.pub
	c.Lines, c.Sentences, c.NotAIS = st.Lines, st.Sentences, st.NotAIS
	c.Rejected = st.Errors
	return c
}

// lifecycle makes Run callable once and Close able to stop it.
type lifecycle struct {
	mu      sync.Mutex
	running bool
	closed  bool
	cancel  context.CancelFunc
	done    chan struct{}
}

// start marks the component running and returns the context Run works
// under; Close cancels it.
func (l *lifecycle) start(ctx context.Context) (context.Context, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return nil, ErrClosed
	case l.running:
		return nil, ErrRunning
	}
	l.running = true
	l.done = make(chan struct{})
	ctx, l.cancel = context.WithCancel(ctx)
	return ctx, nil
}

// finish is deferred by Run.
func (l *lifecycle) finish() {
	l.mu.Lock()
	l.cancel()
	l.closed = true
	close(l.done)
	l.mu.Unlock()
}

// close stops a running Run and waits for it to return; it reports
// whether this was the first close.
func (l *lifecycle) close() bool {
	l.mu.Lock()
	first := !l.closed
	l.closed = true
	var done chan struct{}
	if l.running {
		l.cancel()
		done = l.done
	}
	l.mu.Unlock()
	if done != nil {
		<-done
	}
	return first
}
