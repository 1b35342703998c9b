package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Stream tickets. EventSource cannot send headers, so a browser would
// have to put its long-lived token in the stream's URL, where proxies and
// logs keep it. Instead it mints a ticket with its token
// (POST /api/v1/stream/ticket) and opens the stream with ?ticket=: a
// ticket is good for one stream, for TicketTTL, and only as long as the
// token that minted it stays valid.
const (
	// TicketPrefix starts every stream ticket.
	TicketPrefix = "twt_"
	// TicketTTL is how long a ticket may wait before it opens a stream.
	TicketTTL = 30 * time.Second
	// MaxTickets bounds the tickets minted and not yet used or expired;
	// beyond it minting answers 503 with Retry-After (counted).
	MaxTickets = 10_000
)

// credential is what a request authenticated with: the hash of its token
// (none for an anonymous read), for the stream to check again while it
// runs.
type credential struct {
	token     [sha256.Size]byte
	anonymous bool
	role      string
}

type credKey struct{}

func withCredential(r *http.Request, c credential) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), credKey{}, c))
}

func credentialOf(r *http.Request) (credential, bool) {
	c, ok := r.Context().Value(credKey{}).(credential)
	return c, ok
}

// ticket is one minted ticket.
type ticket struct {
	cred    credential
	expires time.Time
}

// tickets holds the tickets minted and not yet used, at most MaxTickets.
// It is safe for concurrent use.
type tickets struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]ticket
}

// mint makes a ticket for cred, valid until now+TicketTTL. It fails when
// MaxTickets are outstanding (after dropping the expired ones).
func (ts *tickets) mint(cred credential, now time.Time) (string, time.Time, bool) {
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", time.Time{}, false
	}
	plain := TicketPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	exp := now.Add(TicketTTL)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.m == nil {
		ts.m = map[[sha256.Size]byte]ticket{}
	}
	if len(ts.m) >= MaxTickets {
		for k, t := range ts.m {
			if !now.Before(t.expires) {
				delete(ts.m, k)
			}
		}
		if len(ts.m) >= MaxTickets {
			return "", time.Time{}, false
		}
	}
	ts.m[sha256.Sum256([]byte(plain))] = ticket{cred: cred, expires: exp}
	return plain, exp, true
}

// redeem uses up a ticket: it returns its credential, and false if the
// ticket is unknown, used or expired at now.
func (ts *tickets) redeem(plain string, now time.Time) (credential, bool) {
	k := sha256.Sum256([]byte(plain))
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok := ts.m[k]
	if !ok {
		return credential{}, false
	}
	delete(ts.m, k)
	if !now.Before(t.expires) {
		return credential{}, false
	}
	return t.cred, true
}

// ticketResponse is the body of POST /api/v1/stream/ticket.
type ticketResponse struct {
	Ticket    string    `json:"ticket"`
	Expires   time.Time `json:"expires"`
	ExpiresIn int       `json:"expires_in"` // seconds
}

// mintTicket answers POST /api/v1/stream/ticket: a single-use ticket for
// GET /api/v1/stream?ticket=, valid for TicketTTL and while the token that
// minted it stays valid.
func (a *api) mintTicket(w http.ResponseWriter, r *http.Request) error {
	cred, ok := credentialOf(r)
	if !ok {
		return errorf(http.StatusUnauthorized, CodeUnauthorized, "a token is required: send Authorization: Bearer TOKEN")
	}
	plain, exp, ok := a.tickets.mint(cred, a.cfg.Clock())
	if !ok {
		a.metrics.ticketsRefused.Inc()
		w.Header().Set("Retry-After", strconv.Itoa(int(TicketTTL/time.Second)))
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "too many stream tickets outstanding (at most %d): retry later", MaxTickets)
	}
	return writeJSON(w, http.StatusCreated, ticketResponse{Ticket: plain, Expires: exp.UTC(), ExpiresIn: int(TicketTTL / time.Second)})
}

// stillValid reports whether the credential of an open stream is still
// good at now: its token not revoked nor expired.
func (a *api) stillValid(c credential, now time.Time) bool {
	if c.anonymous {
		return true
	}
	_, ok := a.cfg.Tokens.lookupHash(c.token, now)
	return ok
}
