package nmea

import (
	"bytes"
	"time"
)

// Message is a complete AIS payload: one sentence, or the reassembled
// fragments of a multi-sentence message. Its byte slices are owned by the
// Assembler or Reader that returned it and are valid until its next call.
type Message struct {
	Payload   []byte    // armoured payload of all fragments, concatenated
	Fill      int       // fill bits of the last fragment
	Talker    [2]byte   // talker of the sentences
	Own       bool      // VDO (own ship) rather than VDM
	Channel   byte      // radio channel, 0 when empty
	Source    []byte    // tag-block s: of the first fragment carrying one; nil if none
	Time      time.Time // tag-block c: time of the first fragment carrying one; zero if none
	RecvTime  time.Time // receiver/archive time (prefix, suffix, $PGHP) of the first fragment carrying one; zero if none
	Sentences int       // number of sentences, 1..9
	Line      int       // line number of the last sentence
}

// Defaults for AssemblerOptions.
const (
	DefaultMaxGroups = 16
	DefaultMaxAge    = 20
)

// AssemblerOptions bound the memory and patience of an Assembler. Zero
// values mean the defaults.
type AssemblerOptions struct {
	// MaxGroups is the number of incomplete multi-sentence messages held at
	// once (default DefaultMaxGroups). When a first fragment arrives and all
	// are in use, the group extended least recently is dropped and reported
	// as an ErrFragment error.
	MaxGroups int
	// MaxAge is the number of sentences (of any kind, passed to Add) an
	// incomplete message may wait for its next fragment (default
	// DefaultMaxAge). Real receivers emit the fragments of a message
	// back to back; a longer wait makes a wrong join with a later message
	// that reuses the sequential id more likely.
	MaxAge int
}

// Assembler reassembles multi-sentence messages. The zero value is ready to
// use with the default options. Memory is bounded by MaxGroups groups of at
// most 9 fragments. An Assembler is not safe for concurrent use.
//
// Fragments join when they agree on talker, VDM/VDO, channel and
// sequential id, and, when both carry one, on tag-block source and tag-block
// group id. A fragment 1 opens a group (dropping an open group with the same
// key); the other fragments must follow in order, with the same fragment
// count, and no more than MaxAge sentences apart. Anything else is an
// ErrFragment error and never produces a message.
type Assembler struct {
	opt    AssemblerOptions
	groups []group
	open   int    // active groups
	n      uint64 // sentences added
	buf    []byte // payload of a single-sentence message
	src    []byte // source of a single-sentence message
	msg    Message
}

type group struct {
	active  bool
	talker  [2]byte
	own     bool
	channel byte
	seqID   int
	total   int
	next    int    // fragment number expected next
	gTotal  int    // tag-block group size, 0 when none
	gID     int    // tag-block group id
	lastLen int    // payload length of the last fragment
	line    int    // line of the last fragment
	last    uint64 // Assembler.n at the last fragment
	payload []byte
	source  []byte
	hasSrc  bool
	time    time.Time
	recv    time.Time
}

// NewAssembler returns an Assembler with the given options.
func NewAssembler(opt AssemblerOptions) *Assembler {
	return &Assembler{opt: opt}
}

func (a *Assembler) init() {
	if a.opt.MaxGroups <= 0 {
		a.opt.MaxGroups = DefaultMaxGroups
	}
	if a.opt.MaxAge <= 0 {
		a.opt.MaxAge = DefaultMaxAge
	}
	a.groups = make([]group, a.opt.MaxGroups)
}

// Add adds one sentence read from the given line. It returns the message
// the sentence completes, or nil while a message is incomplete. The message
// is valid until the next call to Add; it does not alias s.
//
// An error is a *LineError wrapping ErrFragment or ErrFillBits. It either
// rejects s (an orphan, duplicate or mismatched fragment, non-zero fill bits
// before the last fragment) or reports an incomplete message that s
// displaced (a new fragment 1 with the same key, or one that needed room);
// in the second case s was accepted. Either way nothing more is to be done
// with s. An exact repeat of the fragment just added is ignored without
// error: nothing is lost.
func (a *Assembler) Add(s *Sentence, line int) (*Message, error) {
	if a.groups == nil {
		a.init()
	}
	a.n++
	if err := check(s); err != nil {
		return nil, &LineError{Line: line, Err: err}
	}
	if s.Total == 1 {
		a.buf = append(a.buf[:0], s.Payload...)
		src := []byte(nil)
		if len(s.Tag.Source) > 0 {
			a.src = append(a.src[:0], s.Tag.Source...)
			src = a.src
		}
		a.msg = Message{
			Payload:   a.buf,
			Fill:      s.Fill,
			Talker:    s.Talker,
			Own:       s.Own,
			Channel:   s.Channel,
			Source:    src,
			Time:      s.Tag.Time,
			RecvTime:  s.RecvTime,
			Sentences: 1,
			Line:      line,
		}
		return &a.msg, nil
	}

	g := a.find(s)
	if s.Num == 1 {
		if s.Fill != 0 {
			return nil, &LineError{Line: line, Err: errFillNonFinal}
		}
		var err error
		switch {
		case g != nil && g.next == 2 && g.total == s.Total && bytes.Equal(g.payload, s.Payload):
			// The same fragment 1 again: nothing is lost.
			g.line, g.last = line, a.n
			return nil, nil
		case g != nil:
			why := errRestarted
			if a.n-g.last > uint64(a.opt.MaxAge) {
				why = errStale
			}
			err = &LineError{Line: g.line, Err: why}
		default:
			g, err = a.slot()
			a.open++
		}
		g.start(s, line, a.n)
		return nil, err
	}

	if g == nil {
		return nil, &LineError{Line: line, Err: errOrphan}
	}
	switch {
	case a.n-g.last > uint64(a.opt.MaxAge):
		a.drop(g)
		return nil, &LineError{Line: line, Err: errExpired}
	case s.Total != g.total:
		return nil, &LineError{Line: line, Err: errCountMismatch}
	case s.Num == g.next-1 && bytes.Equal(g.payload[len(g.payload)-g.lastLen:], s.Payload):
		// The same fragment again: nothing is lost.
		g.line, g.last = line, a.n
		return nil, nil
	case s.Num < g.next:
		return nil, &LineError{Line: line, Err: errDuplicate}
	case s.Num > g.next:
		a.drop(g)
		return nil, &LineError{Line: line, Err: errGap}
	case s.Fill != 0 && s.Num < s.Total:
		a.drop(g)
		return nil, &LineError{Line: line, Err: errFillNonFinal}
	}
	g.payload = append(g.payload, s.Payload...)
	if !g.hasSrc && len(s.Tag.Source) > 0 {
		g.source = append(g.source[:0], s.Tag.Source...)
		g.hasSrc = true
	}
	if g.time.IsZero() {
		g.time = s.Tag.Time
	}
	if g.recv.IsZero() {
		g.recv = s.RecvTime
	}
	g.lastLen = len(s.Payload)
	g.next++
	g.line = line
	g.last = a.n
	if s.Num < s.Total {
		return nil, nil
	}
	a.drop(g)
	src := []byte(nil)
	if g.hasSrc {
		src = g.source
	}
	a.msg = Message{
		Payload:   g.payload,
		Fill:      s.Fill,
		Talker:    g.talker,
		Own:       g.own,
		Channel:   g.channel,
		Source:    src,
		Time:      g.time,
		RecvTime:  g.recv,
		Sentences: g.total,
		Line:      line,
	}
	return &a.msg, nil
}

// check validates the fields Parse guarantees, for sentences built by hand.
func check(s *Sentence) error {
	switch {
	case s.Total < 1 || s.Total > 9:
		return errTotalRange
	case s.Num < 1 || s.Num > s.Total:
		return errNumRange
	case s.SeqID < -1 || s.SeqID > 9:
		return errSeqRange
	case len(s.Payload) == 0:
		return errPayloadEmpty
	case s.Fill < 0 || s.Fill > 5:
		return errFillRange
	}
	return nil
}

// find returns the open group s would join, or nil.
func (a *Assembler) find(s *Sentence) *group {
	if a.open == 0 {
		return nil
	}
	for i := range a.groups {
		g := &a.groups[i]
		if !g.active || g.seqID != s.SeqID || g.channel != s.Channel ||
			g.talker != s.Talker || g.own != s.Own {
			continue
		}
		if g.gTotal != 0 && s.Tag.GroupTotal != 0 && g.gID != s.Tag.GroupID {
			continue
		}
		if g.hasSrc && len(s.Tag.Source) > 0 && !bytes.Equal(g.source, s.Tag.Source) {
			continue
		}
		return g
	}
	return nil
}

// slot returns a free group, freeing one if needed: an expired group if
// there is one, else the group extended least recently. The error reports
// the group freed.
func (a *Assembler) slot() (*group, error) {
	var oldest *group
	for i := range a.groups {
		g := &a.groups[i]
		if !g.active {
			return g, nil
		}
		if oldest == nil || g.last < oldest.last {
			oldest = g
		}
	}
	err := errEvicted
	if a.n-oldest.last > uint64(a.opt.MaxAge) {
		err = errStale
	}
	a.drop(oldest)
	return oldest, &LineError{Line: oldest.line, Err: err}
}

func (a *Assembler) drop(g *group) {
	g.active = false
	a.open--
}

func (g *group) start(s *Sentence, line int, n uint64) {
	*g = group{
		active:  true,
		talker:  s.Talker,
		own:     s.Own,
		channel: s.Channel,
		seqID:   s.SeqID,
		total:   s.Total,
		next:    2,
		gTotal:  s.Tag.GroupTotal,
		gID:     s.Tag.GroupID,
		line:    line,
		last:    n,
		lastLen: len(s.Payload),
		payload: append(g.payload[:0], s.Payload...),
		source:  g.source[:0],
		time:    s.Tag.Time,
		recv:    s.RecvTime,
	}
	if len(s.Tag.Source) > 0 {
		g.source = append(g.source, s.Tag.Source...)
		g.hasSrc = true
	}
}

// Flush drops the incomplete message that was extended least recently and
// returns an error describing it, or nil when there is none. Call it until
// it returns nil at the end of the input.
func (a *Assembler) Flush() error {
	if a.open == 0 {
		return nil
	}
	var oldest *group
	for i := range a.groups {
		g := &a.groups[i]
		if g.active && (oldest == nil || g.last < oldest.last) {
			oldest = g
		}
	}
	a.drop(oldest)
	return &LineError{Line: oldest.line, Err: errIncomplete}
}

// Reset drops all incomplete messages without reporting them.
func (a *Assembler) Reset() {
	for i := range a.groups {
		a.groups[i].active = false
	}
	a.open = 0
}
