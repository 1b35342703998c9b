package incident

import (
	"crypto/rand"
	"io"

	"github.com/google/uuid"
)

const idPrefix = "incident--"

// NewID returns a new record ID, "incident--" and a random (version 4)
// UUID from crypto/rand: the form of a STIX 2.1 identifier, so the ID of
// an incident is also the ID of its STIX incident object.
func NewID() string {
	var u uuid.UUID
	rand.Read(u[:]) // never fails: it crashes the program first (Go 1.24+)
	return idPrefix + v4(u).String()
}

// newID reads a version 4 UUID from r, crypto/rand when r is nil.
func newID(r io.Reader) (string, error) {
	if r == nil {
		return NewID(), nil
	}
	var u uuid.UUID
	if _, err := io.ReadFull(r, u[:]); err != nil {
		return "", err
	}
	return idPrefix + v4(u).String(), nil
}

// v4 sets the version and variant bits of a random UUID (RFC 9562 §5.4).
func v4(u uuid.UUID) uuid.UUID {
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}
