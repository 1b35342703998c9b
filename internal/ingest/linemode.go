package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/tidewatch/tidewatch/internal/nmea"
)

// This file holds line mode (cluster mode, issue 14): an input with
// InputOptions.Publish does not decode what it reads; it hands the raw
// lines, in batches of about Window, to Publish, which returns once the
// batch is accepted (the cluster acknowledged it). The lines are read by
// the same code as in ordinary mode (the decoder's lineTee), so every
// input kind works alike in both modes.

// LineBatch is a batch of raw lines an input in line mode hands to its
// Publish.
type LineBatch struct {
	// Source is the name the lines' observations get when their message
	// has no tag-block source: the input's Name, or the remote host
	// (SourceRemote).
	Source string
	// Received is when the batch's first line was read (InputOptions.Now).
	Received time.Time
	// Lines are the lines without their line ending, in the order read
	// (fragments held back from an earlier batch first). Publish may keep
	// them: they are not reused.
	Lines [][]byte
	// ID is a stable id of a replayed file's batch ("" for a live input):
	// the input's name, a digest of the file's first bytes and the byte
	// range the batch covers, the same on every pass over the same file,
	// so that a publisher that deduplicates by it lands a batch once
	// across a restart.
	ID string
}

// Publish publishes a batch and returns once it is accepted; it blocks
// while it cannot be (the reader waits, and TCP pushes back on the
// sender). An error (ctx done, the publisher closed) stops the reader:
// the batch is counted lost.
type Publish func(ctx context.Context, b LineBatch) error

// Defaults of LineBatchOptions.
const (
	DefaultLineWindow       = 100 * time.Millisecond
	DefaultLineBatchLines   = 2000
	DefaultLineBatchBytes   = 512 << 10
	DefaultHeldFragments    = 64
	DefaultHeldBatches      = 10
	defaultReplayBatchLines = 2000
)

// LineBatchOptions bound a line-mode batch. Zero values are the
// defaults.
type LineBatchOptions struct {
	// Window is the longest time a live input's batch stays open after
	// its first line (default 100 ms). A replay's batches are cut by
	// size only, so that they are the same on every pass.
	Window time.Duration
	// MaxLines and MaxBytes cut a batch early (defaults 2000 lines,
	// 512 KiB).
	MaxLines, MaxBytes int
	// HeldFragments bounds the fragments of incomplete multi-sentence
	// messages held back at the end of a batch for the next one (default
	// 64); beyond it they are published where they are.
	HeldFragments int
	// HeldBatches bounds how many batches a fragment is held back for
	// (default 10: about a second on a live input) before it is published
	// where it is and counted as dropped.
	HeldBatches int
}

func (o LineBatchOptions) withDefaults() LineBatchOptions {
	if o.Window <= 0 {
		o.Window = DefaultLineWindow
	}
	if o.MaxLines <= 0 {
		o.MaxLines = DefaultLineBatchLines
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultLineBatchBytes
	}
	if o.HeldFragments <= 0 {
		o.HeldFragments = DefaultHeldFragments
	}
	if o.HeldBatches <= 0 {
		o.HeldBatches = DefaultHeldBatches
	}
	return o
}

// LineModeStats count what an input in line mode published.
type LineModeStats struct {
	Lines   int64 // lines accepted by Publish
	Batches int64 // batches accepted by Publish
	Lost    int64 // lines read but not accepted (Publish failed: the input was stopping)
	// Held counts fragments held back at the end of a batch for the next
	// one, so that a multi-sentence message is never split across two.
	Held int64
	// FragmentsDropped counts fragments given up on: held for
	// HeldBatches batches, beyond HeldFragments, or still held when the
	// connection or file ended. They are published where they are, and
	// no decoder can complete their message.
	FragmentsDropped int64
}

// lineCounters are an input's LineModeStats, shared by its connections.
type lineCounters struct {
	lines, batches, lost, held, dropped atomic.Int64
}

func (c *lineCounters) stats() LineModeStats {
	if c == nil {
		return LineModeStats{}
	}
	return LineModeStats{Lines: c.lines.Load(), Batches: c.batches.Load(), Lost: c.lost.Load(),
		Held: c.held.Load(), FragmentsDropped: c.dropped.Load()}
}

// ErrLineModeCSV: a replayed CSV file cannot be published as NMEA lines.
var ErrLineModeCSV = errors.New("ingest: line mode (cluster) takes NMEA files, not CSV")

// lineBatcher collects one reader's lines into batches and publishes
// them. It is owned by the reading goroutine.
type lineBatcher struct {
	ctx     context.Context
	publish Publish
	opt     LineBatchOptions
	now     func() time.Time
	wall    func() time.Time // for the window: read deadlines are wall-clock times
	count   *lineCounters
	sized   bool // cut by size only (a replay)
	idStem  string

	cur     LineBatch
	age     []int // per line of cur: batches it was held back for
	size    int
	started time.Time // wall time the window of cur began
	start   int64     // offset of the first byte of cur's first new line (a replay)
	end     int64     // offset after cur's last line
	err     error     // sticky: Publish failed
}

func newLineBatcher(ctx context.Context, opt *InputOptions, count *lineCounters, source string) *lineBatcher {
	return &lineBatcher{ctx: ctx, publish: opt.Publish, opt: opt.LineBatch.withDefaults(), now: opt.Now,
		wall: time.Now, count: count, cur: LineBatch{Source: source}, start: -1}
}

// add takes one line (copied) that ends at offset end of the input, and
// publishes the batch when it is full. It returns the sticky error.
func (l *lineBatcher) add(source string, line []byte, end int64) error {
	if l.err != nil {
		l.count.lost.Add(1)
		return l.err
	}
	if source != l.cur.Source && len(l.cur.Lines) > 0 {
		// A datagram from another sender (SourceRemote): the batch names
		// one source, so what is open goes out whole.
		l.flushAll()
	}
	l.cur.Source = source
	if len(l.cur.Lines) == 0 || l.start < 0 {
		if len(l.cur.Lines) == 0 {
			l.cur.Received = l.now()
			l.started = l.wall()
		}
		l.start = end - int64(len(line)) - 1
	}
	l.cur.Lines = append(l.cur.Lines, bytes.Clone(line))
	l.age = append(l.age, 0)
	l.size += len(line)
	l.end = end
	if len(l.cur.Lines) >= l.opt.MaxLines || l.size >= l.opt.MaxBytes {
		l.flush(false)
	}
	return l.err
}

// due returns when the open batch's window ends; false when no batch is
// open or batches are cut by size only.
func (l *lineBatcher) due() (time.Time, bool) {
	if len(l.cur.Lines) == 0 || l.sized {
		return time.Time{}, false
	}
	return l.started.Add(l.opt.Window), true
}

// pending reports whether lines wait to be published.
func (l *lineBatcher) pending() bool { return len(l.cur.Lines) > 0 }

// flushAll publishes everything, held fragments included (the input
// ends); it returns the sticky error.
func (l *lineBatcher) flushAll() error { return l.flush(true) }

// flush publishes the open batch, except (unless final) the fragments of
// multi-sentence messages still incomplete at its end, which begin the
// next batch.
func (l *lineBatcher) flush(final bool) error {
	if l.err != nil || len(l.cur.Lines) == 0 {
		return l.err
	}
	var hold []bool
	if !final {
		hold = incomplete(l.cur.Lines)
	}
	nHold := 0
	for i, h := range hold {
		if h {
			if l.age[i]+1 > l.opt.HeldBatches {
				hold[i] = false
				l.count.dropped.Add(1)
				continue
			}
			nHold++
		}
	}
	if nHold > l.opt.HeldFragments {
		l.count.dropped.Add(int64(nHold))
		hold, nHold = nil, 0
	}
	if final {
		l.count.dropped.Add(int64(countTrue(incomplete(l.cur.Lines))))
	}
	out := LineBatch{Source: l.cur.Source, Received: l.cur.Received}
	var keep [][]byte
	var keepAge []int
	for i, line := range l.cur.Lines {
		if hold != nil && hold[i] {
			keep = append(keep, line)
			keepAge = append(keepAge, l.age[i]+1)
			continue
		}
		out.Lines = append(out.Lines, line)
	}
	if l.idStem != "" {
		out.ID = fmt.Sprintf("%s:%d-%d", l.idStem, l.start, l.end)
	}
	received := l.cur.Received
	l.cur = LineBatch{Source: l.cur.Source}
	l.age = l.age[:0]
	l.size = 0
	l.start = -1
	if nHold > 0 {
		l.count.held.Add(int64(nHold))
		l.cur.Lines, l.cur.Received = keep, received
		l.age = append(l.age, keepAge...)
		for _, k := range keep {
			l.size += len(k)
		}
		l.started = l.wall()
	}
	if len(out.Lines) == 0 {
		return nil
	}
	if err := l.publish(l.ctx, out); err != nil {
		l.err = err
		l.count.lost.Add(int64(len(out.Lines) + len(l.cur.Lines)))
		l.cur.Lines = nil
		return err
	}
	l.count.lines.Add(int64(len(out.Lines)))
	l.count.batches.Add(1)
	return nil
}

func countTrue(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

// fragKey is what the fragments of one message agree on (see the nmea
// package's reassembly).
type fragKey struct {
	talker  [2]byte
	own     bool
	channel byte
	seqID   int
	source  string
}

// incomplete marks the lines that are fragments of a multi-sentence
// message whose last fragment is not in lines: a fragment 1 and those
// that followed it in order, still waiting for the rest. It returns nil
// when there are none.
func incomplete(lines [][]byte) []bool {
	type open struct {
		idx         []int
		total, next int
	}
	var groups map[fragKey]*open
	for i, line := range lines {
		if bytes.IndexByte(line, '!') < 0 {
			continue
		}
		s, err := nmea.Parse(line)
		if err != nil && s.Total == 0 || s.Total < 2 {
			continue
		}
		k := fragKey{talker: s.Talker, own: s.Own, channel: s.Channel, seqID: s.SeqID}
		if s.Num == 1 {
			k.source = string(s.Tag.Source)
			if groups == nil {
				groups = make(map[fragKey]*open)
			}
			groups[k] = &open{idx: []int{i}, total: s.Total, next: 2}
			continue
		}
		g := groups[k]
		if g == nil && len(s.Tag.Source) == 0 {
			// Later fragments often carry only g:, no source: join the
			// one open group of this key whatever its source.
			for gk, gg := range groups {
				if gk.talker == k.talker && gk.own == k.own && gk.channel == k.channel && gk.seqID == k.seqID {
					k, g = gk, gg
					break
				}
			}
		} else if g == nil {
			k.source = string(s.Tag.Source)
			g = groups[k]
		}
		if g == nil || s.Num != g.next || s.Total != g.total {
			continue
		}
		g.idx = append(g.idx, i)
		if g.next++; g.next > g.total {
			delete(groups, k)
		}
	}
	if len(groups) == 0 {
		return nil
	}
	hold := make([]bool, len(lines))
	for _, g := range groups {
		for _, i := range g.idx {
			hold[i] = true
		}
	}
	return hold
}
