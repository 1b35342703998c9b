package ingest

import (
	"context"
	"errors"
	"io"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/nmea"
)

// Decode reads NMEA text from r and calls emit for every decoded message,
// in input order, on the calling goroutine; bad input is counted in the
// returned Stats, exactly as Stream does. Framing (line splitting,
// checksums, tag blocks, reassembly) runs on a second goroutine, one
// bounded batch ahead of decoding, so a file is decoded on two cores.
//
// The Decoded passed to emit is valid only during the call. Decode returns
// when the input ends, when reading fails, when emit returns an error
// (which Decode returns), or when ctx is cancelled; its goroutine has
// stopped by then.
func Decode(ctx context.Context, r io.Reader, opt Options, emit func(Decoded) error) (Stats, error) {
	const (
		batchFrames = 512
		inFlight    = 4 // batches queued between the two goroutines
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan *batch, inFlight)
	free := make(chan *batch, inFlight+2)
	for range inFlight + 2 {
		free <- &batch{frames: make([]frame, 0, batchFrames), arena: make([]byte, 0, batchFrames*64)}
	}

	// Framing goroutine. It owns the nmea.Reader; after it closes full,
	// the decoder reads its final statistics from done.
	type result struct {
		stats nmea.Stats
		err   error
	}
	done := make(chan result, 1)
	go func() {
		defer close(full)
		rd := nmea.NewReader(r, readerOptions(opt))
		var err error
		for err == nil {
			var b *batch
			select {
			case b = <-free:
			case <-ctx.Done():
				done <- result{rd.Stats(), ctx.Err()}
				return
			}
			b.reset()
			for len(b.frames) < batchFrames {
				m, e := rd.Next()
				if e != nil {
					var le *nmea.LineError
					if errors.As(e, &le) {
						continue // counted by the reader
					}
					err = e // io.EOF or an I/O error: this batch is the last
					break
				}
				b.add(m)
			}
			select {
			case full <- b:
			case <-ctx.Done():
				done <- result{rd.Stats(), ctx.Err()}
				return
			}
		}
		if err == io.EOF {
			err = nil
		}
		done <- result{rd.Stats(), err}
	}()

	var dec ais.Decoder
	aisE := make(map[string]int64)
	var msgs int64
	var emitErr error
	var m nmea.Message
	for b := range full {
		for i := range b.frames {
			if emitErr != nil {
				break
			}
			f := &b.frames[i]
			b.message(f, &m)
			msg, err := dec.Decode(m.Payload, m.Fill)
			if err != nil {
				aisE[PayloadClass(err)]++
				continue
			}
			msgs++
			emitErr = emit(Decoded{Msg: msg, NMEA: &m})
		}
		if emitErr != nil {
			cancel() // stop the framer; drain what it already queued
			continue
		}
		free <- b
	}
	res := <-done
	st := makeStats(res.stats, aisE, msgs)
	switch {
	case emitErr != nil:
		return st, emitErr
	case res.err != nil:
		return st, res.err
	}
	return st, nil
}

// frame is one framed message inside a batch; its bytes live in the
// batch's arena, so a batch is two allocations whatever its size.
type frame struct {
	payload, payloadEnd int
	source, sourceEnd   int
	m                   nmea.Message // metadata; its slices are nil
}

type batch struct {
	frames []frame
	arena  []byte
}

func (b *batch) reset() {
	b.frames = b.frames[:0]
	b.arena = b.arena[:0]
}

func (b *batch) add(m *nmea.Message) {
	f := frame{m: *m}
	f.m.Payload, f.m.Source = nil, nil
	f.payload = len(b.arena)
	b.arena = append(b.arena, m.Payload...)
	f.payloadEnd = len(b.arena)
	f.source = len(b.arena)
	b.arena = append(b.arena, m.Source...)
	f.sourceEnd = len(b.arena)
	b.frames = append(b.frames, f)
}

// message fills m from frame f; its slices alias the batch.
func (b *batch) message(f *frame, m *nmea.Message) {
	*m = f.m
	m.Payload = b.arena[f.payload:f.payloadEnd]
	if f.sourceEnd > f.source {
		m.Source = b.arena[f.source:f.sourceEnd]
	}
}
