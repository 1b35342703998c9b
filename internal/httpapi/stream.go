package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// stream serves Server-Sent Events of picture updates. Events:
//
//	event: ready    data {"seq": N}: the subscription is open; N is the newest update
//	event: update   id: SEQ, data: a vessel summary with "seq"
//	event: event    id: SEQ, data: a detected event (new, or a new version), as in GET /api/v1/events
//	event: lagged   id: SEQ, data {"missed": N, "reset": bool, "seq": SEQ}: updates were skipped; reload the picture
//	event: revoked  data {"reason": "..."}: the token was revoked or expired; the stream ends
//
// and comment lines as heartbeats. With batch=DURATION (MinStreamBatch to
// MaxStreamBatch) the updates, events and contacts of each such window
// come together in one event instead (see batcher):
//
//	event: batch    id: SEQ, data {"seq": SEQ, "updates": [...], "events": [...], "contacts": [...]}
//
// bounded by MaxBatchItems and MaxBatchBytes; ready, lagged and revoked
// are as without it.
func (a *api) stream(w http.ResponseWriter, r *http.Request) error {
	p := a.params(r)
	box, err := p.bbox("bbox")
	if err != nil {
		return err
	}
	var bt *batcher
	if p.has("batch") {
		w, err := p.duration("batch", 0)
		if err == nil && (w < MinStreamBatch || w > MaxStreamBatch) {
			err = badParam("batch", "%q: want a window from %v to %v", p.get("batch"), MinStreamBatch, MaxStreamBatch)
		}
		if err != nil {
			return err
		}
		bt = newBatcher(w)
	}
	var since uint64
	resume := false
	if s := strings.TrimSpace(r.Header.Get("Last-Event-ID")); s != "" {
		if since, err = strconv.ParseUint(s, 10, 64); err != nil {
			return badParam("Last-Event-ID", "%q: want a sequence number", s)
		}
		resume = true
	} else if s := p.get("since"); s != "" {
		if since, err = strconv.ParseUint(s, 10, 64); err != nil {
			return badParam("since", "%q: want a sequence number", s)
		}
		resume = true
	}
	rc := http.NewResponseController(w)
	hub := a.cfg.Hub
	sub := hub.Subscribe(since, resume, a.cfg.StreamLag)
	defer sub.Close()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	var buf bytes.Buffer
	write := func() error {
		if err := rc.SetWriteDeadline(time.Now().Add(a.cfg.StreamWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return err
		}
		buf.Reset()
		return rc.Flush()
	}
	drop := func(err error) error {
		// A write that timed out is a slow client; any other failure is
		// a client that went away.
		if errors.Is(err, os.ErrDeadlineExceeded) {
			hub.dropped.Add(1)
			a.log.Info("slow stream client dropped", "remote", r.RemoteAddr)
		}
		return nil // the response has started: nothing to tell the client
	}
	buf.WriteString("retry: 2000\nevent: ready\ndata: {\"seq\":")
	buf.WriteString(strconv.FormatUint(sub.Cursor(), 10))
	buf.WriteString("}\n\n")
	if err := write(); err != nil {
		return drop(err)
	}

	// The credential is checked again every StreamAuthCheck: a revoked
	// or expired token ends its streams.
	cred, hasCred := credentialOf(r)
	lastWrite, lastCheck := time.Now(), time.Now()
	revoked := func() bool {
		if !hasCred || cred.anonymous || time.Since(lastCheck) < a.cfg.StreamAuthCheck {
			return false
		}
		lastCheck = time.Now()
		return !a.stillValid(cred, a.cfg.Clock())
	}
	var batch []Update
	for {
		wait := a.cfg.StreamHeartbeat - time.Since(lastWrite)
		if hasCred && !cred.anonymous {
			wait = min(wait, a.cfg.StreamAuthCheck)
		}
		if d, ok := bt.wait(time.Now()); ok {
			wait = min(wait, d)
		}
		ctx, cancel := context.WithTimeout(r.Context(), max(wait, time.Millisecond))
		var gap Gap
		batch, gap, err = sub.Next(ctx, batch[:0], maxStreamBatch)
		cancel()
		if revoked() {
			a.metrics.streamsRevoked.Inc()
			buf.Reset()
			buf.WriteString("event: revoked\ndata: {\"reason\":\"the token was revoked or has expired\"}\n\n")
			_ = write()
			return nil
		}
		switch {
		case r.Context().Err() != nil:
			return nil
		case errors.Is(err, context.DeadlineExceeded):
			if d, ok := bt.wait(time.Now()); ok && d <= 0 {
				bt.flush(&buf)
			} else if time.Since(lastWrite) < a.cfg.StreamHeartbeat {
				continue
			} else {
				buf.WriteString(": ping\n\n")
			}
		case err != nil:
			return err
		case gap.Missed > 0 || gap.Reset:
			bt.flush(&buf) // what was taken before the gap goes first
			seq := strconv.FormatUint(sub.Cursor(), 10)
			buf.WriteString("id: " + seq + "\nevent: lagged\ndata: {\"missed\":" + strconv.FormatUint(gap.Missed, 10) +
				",\"reset\":" + strconv.FormatBool(gap.Reset) + ",\"seq\":" + seq + "}\n\n")
		default:
			ref := vessel.TimeOf(a.cfg.Now())
			if bt != nil {
				err = bt.add(&buf, batch, box, ref, time.Now())
			} else {
				err = appendUpdates(&buf, batch, box, ref)
			}
			if err != nil {
				return err
			}
		}
		if buf.Len() == 0 {
			continue
		}
		if err := write(); err != nil {
			return drop(err)
		}
		lastWrite = time.Now()
	}
}

// inBox says whether u belongs to a stream of box (every update when box
// is nil): an event or contact by its position, a vessel update by its
// position when it has one.
func inBox(u *Update, box *geo.Rect) bool {
	switch {
	case box == nil:
		return true
	case u.Event != nil:
		return box.Contains(geo.Point{Lat: u.Event.Lat, Lon: u.Event.Lon})
	case u.Contact != nil:
		return box.Contains(geo.Point{Lat: u.Contact.Lat, Lon: u.Contact.Lon})
	}
	return u.Located && box.Contains(geo.Point{Lat: u.Position.Lat, Lon: u.Position.Lon})
}

// appendUpdates appends the events of the updates inside box (all if
// box is nil) to buf.
func appendUpdates(buf *bytes.Buffer, us []Update, box *geo.Rect, ref vessel.Time) error {
	for i := range us {
		u := &us[i]
		if !inBox(u, box) {
			continue
		}
		if u.Event != nil {
			data, err := json.Marshal(u.Event)
			if err != nil {
				return err
			}
			buf.WriteString("id: ")
			buf.WriteString(strconv.FormatUint(u.Seq, 10))
			buf.WriteString("\nevent: event\ndata: ")
			buf.Write(data)
			buf.WriteString("\n\n")
			continue
		}
		if u.Contact != nil {
			data, err := json.Marshal(u.Contact)
			if err != nil {
				return err
			}
			buf.WriteString("id: ")
			buf.WriteString(strconv.FormatUint(u.Seq, 10))
			buf.WriteString("\nevent: contact\ndata: ")
			buf.Write(data)
			buf.WriteString("\n\n")
			continue
		}
		data, err := json.Marshal(summaryOf(u, ref))
		if err != nil {
			return err
		}
		buf.WriteString("id: ")
		buf.WriteString(strconv.FormatUint(u.Seq, 10))
		buf.WriteString("\nevent: update\ndata: ")
		buf.Write(data)
		buf.WriteString("\n\n")
	}
	return nil
}
