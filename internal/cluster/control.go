package cluster

import (
	"fmt"
	"time"
)

// ControlKind is what a control record changes. The values are part of
// the encoding and never change.
type ControlKind uint8

const (
	KindZone     ControlKind = 1
	KindIncident ControlKind = 2
	KindToken    ControlKind = 3
	KindPartner  ControlKind = 4
)

var kindNames = map[ControlKind]string{KindZone: "zone", KindIncident: "incident", KindToken: "token", KindPartner: "partner"}

// String returns the kind's name, which is also the last token of its
// subject (tidewatch.control.zone).
func (k ControlKind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// ControlOp is what a control record does to the item it names. The
// values are part of the encoding and never change.
type ControlOp uint8

const (
	// OpPut creates or replaces the item with Body.
	OpPut ControlOp = 1
	// OpDelete removes the item; Body is empty.
	OpDelete ControlOp = 2
	// OpAppend adds Body to the item (an incident's note or action),
	// keeping what it had.
	OpAppend ControlOp = 3
)

// ControlRecord is one entry of the control log: a change to a zone, an
// incident, an API token or the partner registry, applied on every node
// in the same order so that they hold the same. Body is the item in its
// own package's encoding (the JSON the API takes); the cluster carries it
// and does not read it.
type ControlRecord struct {
	Kind ControlKind
	Op   ControlOp
	ID   string    // the item: zone id, incident id, token id, partner name
	Time time.Time // when the change was made (from the request)
	Node string    // the node that took the request
	Body []byte
}

const maxID = 1024

// AppendControl appends the encoding of r to dst (the format is at
// [AppendBatch]).
func AppendControl(dst []byte, r ControlRecord) []byte {
	dst = append(dst, entryVersion)
	start := len(dst) - 1
	dst = append(dst, byte(r.Kind), byte(r.Op))
	dst = appendString(dst, r.ID)
	dst = appendTime(dst, r.Time)
	dst = appendString(dst, r.Node)
	dst = appendString(dst, string(r.Body))
	return appendSum(dst, start)
}

// DecodeControl decodes an entry made by AppendControl. Body aliases p.
// Errors wrap ErrCorrupt.
func DecodeControl(p []byte) (ControlRecord, error) {
	d, err := openEntry(p)
	if err != nil {
		return ControlRecord{}, err
	}
	var r ControlRecord
	r.Kind = ControlKind(d.byte())
	r.Op = ControlOp(d.byte())
	r.ID = d.str(maxID)
	r.Time = d.time()
	r.Node = d.str(maxInput)
	r.Body = d.bytes(maxEntry)
	if d.err == nil {
		if _, ok := kindNames[r.Kind]; !ok || r.Op < OpPut || r.Op > OpAppend {
			d.err = errBadRecord
		}
	}
	if err := d.close(); err != nil {
		return ControlRecord{}, err
	}
	return r, nil
}
