package relay

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/nmea"
)

// Format is what a Relay sends its TCP clients.
type Format uint8

// The formats.
const (
	// FormatNMEA relays the AIS sentences as received (the default).
	FormatNMEA Format = iota
	// FormatGPSD speaks gpsd's client protocol: each complete AIS message
	// (fragments reassembled) as gpsd's JSON, "class":"AIS", to the
	// clients that asked for it with ?WATCH.
	FormatGPSD
)

// ParseFormat reads "nmea" or "gpsd".
func ParseFormat(s string) (Format, error) {
	switch s {
	case "", "nmea":
		return FormatNMEA, nil
	case "gpsd":
		return FormatGPSD, nil
	}
	return 0, fmt.Errorf("%w: format %q (nmea or gpsd)", ErrConfig, s)
}

// String returns the format's name.
func (f Format) String() string {
	if f == FormatGPSD {
		return "gpsd"
	}
	return "nmea"
}

// gpsd protocol bounds.
const (
	// maxCommand bounds one client command (gpsd's own limit is 1 KiB).
	maxCommand = 1024
	// maxSources bounds the inputs whose fragments are reassembled and
	// that DEVICES lists; past it the state starts over.
	maxSources = 256
	// gpsdProto is the protocol revision announced, gpsd 3.22's.
	gpsdProtoMajor, gpsdProtoMinor = 3, 14
)

// gpsdVersion is the banner every gpsd client gets on connecting.
var gpsdVersion = []byte(`{"class":"VERSION","release":"tidewatch","rev":"tidewatch","proto_major":` +
	strconv.Itoa(gpsdProtoMajor) + `,"proto_minor":` + strconv.Itoa(gpsdProtoMinor) + "}\r\n")

// gpsdState is a gpsd-format relay's decoding state, guarded by Relay.mu.
type gpsdState struct {
	asm     map[string]*nmea.Assembler // per input
	dec     ais.Decoder
	n       int       // sentences added, the assemblers' line numbers
	devices []string  // inputs heard, in order (DEVICES)
	since   time.Time // when the relay started (DEVICES' "activated")
}

// publishGPSD reassembles and decodes one sentence that passed the
// filters and queues the completed message's JSON for the watching
// clients. r.mu is held.
func (r *Relay) publishGPSD(source string, sentence []byte) {
	g := &r.gpsd
	// The sentence as received, to clients that asked for NMEA ("raw"
	// or "nmea"): before its message's JSON, as gpsd writes them, whether
	// or not it decodes.
	var line []byte
	for c := range r.clients {
		if c.watch.Load() && c.nmea.Load() {
			if line == nil {
				line = append(append(make([]byte, 0, len(sentence)+2), sentence...), '\r', '\n')
			}
			r.send(c, line)
		}
	}
	s, err := nmea.Parse(sentence)
	if err != nil {
		r.undecodable.Add(1)
		return
	}
	a := g.asm[source]
	if a == nil {
		if len(g.asm) >= maxSources {
			clear(g.asm)
			g.devices = g.devices[:0]
		}
		a = nmea.NewAssembler(nmea.AssemblerOptions{})
		g.asm[source] = a
		g.devices = append(g.devices, source)
	}
	g.n++
	msg, err := a.Add(&s, g.n)
	if err != nil {
		r.undecodable.Add(1) // s rejected, or an incomplete message it displaced
	}
	if msg == nil {
		return
	}
	m, err := g.dec.Decode(msg.Payload, msg.Fill)
	if err != nil {
		r.undecodable.Add(1)
		return
	}
	var scaled, raw []byte
	sent := false
	for c := range r.clients {
		if !c.watch.Load() || !c.json.Load() {
			continue
		}
		var out []byte
		if c.scaled.Load() {
			if scaled == nil {
				scaled = appendGPSD(nil, m, source, ais.JSONOptions{Scaled: true})
			}
			out = scaled
		} else {
			if raw == nil {
				raw = appendGPSD(nil, m, source, ais.JSONOptions{})
			}
			out = raw
		}
		r.send(c, out)
		sent = true
	}
	if sent {
		r.messages.Add(1)
	}
}

// appendGPSD appends a message as gpsd's daemon writes it: the JSON of
// gpsdecode with "device" (the input's name) after "class", and CR LF.
func appendGPSD(b []byte, m ais.Message, device string, opt ais.JSONOptions) []byte {
	const head = `{"class":"AIS",`
	start := len(b)
	b = m.AppendJSON(b, opt)
	if !bytes.HasPrefix(b[start:], []byte(head)) { // not reached: every message starts with head
		return append(b, '\r', '\n')
	}
	rest := bytes.Clone(b[start+len(head):])
	b = append(b[:start+len(head)], `"device":`...)
	b = ais.AppendQuoted(b, []byte(device))
	b = append(b, ',')
	b = append(b, rest...)
	return append(b, '\r', '\n')
}

// send queues b for c, or disconnects c when its queue is full. r.mu is
// held.
func (r *Relay) send(c *client, b []byte) {
	select {
	case c.q <- b:
	default:
		delete(r.clients, c)
		c.close()
		c.conn.Close() // unblocks a write stuck on a client that reads nothing
		r.slow.Add(1)
		r.log.Warn("relay client too slow; disconnected", "remote", c.conn.RemoteAddr().String())
	}
}

// reply queues b for c if c is still connected.
func (r *Relay) reply(c *client, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.clients[c]; ok {
		r.send(c, b)
	}
}

// errCommandTooLong ends a client whose command exceeds maxCommand.
var errCommandTooLong = errors.New("relay: gpsd command too long")

// commands reads a gpsd client's requests (?WATCH, ?VERSION, ?DEVICES,
// ?POLL; anything else gets gpsd's ERROR reply) until the connection
// ends, then drops the client.
func (r *Relay) commands(c *client) {
	defer func() {
		r.mu.Lock()
		if _, ok := r.clients[c]; ok {
			delete(r.clients, c)
			c.close()
		}
		r.mu.Unlock()
	}()
	br := bufio.NewReaderSize(c.conn, maxCommand)
	var cmd []byte
	for {
		b, err := br.ReadByte()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				r.log.Debug("gpsd client read", "remote", c.conn.RemoteAddr().String(), "err", err)
			}
			return
		}
		if b == ';' || b == '\n' || b == '\r' {
			if len(bytes.TrimSpace(cmd)) > 0 {
				r.command(c, bytes.TrimSpace(cmd))
			}
			cmd = cmd[:0]
			continue
		}
		if len(cmd) >= maxCommand {
			r.badCommands.Add(1)
			r.log.Warn("gpsd client disconnected", "remote", c.conn.RemoteAddr().String(), "err", errCommandTooLong)
			c.conn.Close()
			return
		}
		cmd = append(cmd, b)
	}
}

// watchRequest is the part of gpsd's ?WATCH object the relay uses.
type watchRequest struct {
	Enable *bool `json:"enable"`
	JSON   *bool `json:"json"`
	NMEA   *bool `json:"nmea"`
	Raw    *int  `json:"raw"`
	Scaled *bool `json:"scaled"`
}

// command answers one request (without its ';').
func (r *Relay) command(c *client, cmd []byte) {
	name, arg, _ := bytes.Cut(cmd, []byte{'='})
	switch string(name) {
	case "?WATCH":
		if len(arg) > 0 {
			var w watchRequest
			if err := json.Unmarshal(arg, &w); err != nil {
				r.badCommands.Add(1)
				r.reply(c, gpsdError("Invalid WATCH: "+err.Error()))
				return
			}
			if w.Raw != nil && (*w.Raw < 0 || *w.Raw > 2) {
				r.badCommands.Add(1)
				r.reply(c, gpsdError("Invalid WATCH: raw "+strconv.Itoa(*w.Raw)))
				return
			}
			// gpsd's default: a WATCH object enables unless it says not to.
			c.watch.Store(w.Enable == nil || *w.Enable)
			if w.Raw != nil {
				c.raw.Store(int32(*w.Raw))
			}
			if w.NMEA != nil {
				c.nmeaAsked.Store(*w.NMEA)
			}
			c.nmea.Store(c.nmeaAsked.Load() || c.raw.Load() > 0)
			switch {
			case w.JSON != nil:
				c.json.Store(*w.JSON)
			case w.NMEA == nil && w.Raw == nil:
				c.json.Store(true) // a plain WATCH asks for JSON
			}
			if w.Scaled != nil {
				c.scaled.Store(*w.Scaled)
			}
		}
		if c.watch.Load() {
			r.reply(c, r.devicesJSON())
		}
		r.reply(c, watchJSON(c))
	case "?VERSION":
		r.reply(c, gpsdVersion)
	case "?DEVICES":
		r.reply(c, r.devicesJSON())
	case "?POLL":
		b := append([]byte(`{"class":"POLL","time":"`), r.cfg.Now().UTC().AppendFormat(nil, "2006-01-02T15:04:05.000Z")...)
		r.reply(c, append(b, `","active":0,"tpv":[],"sky":[]}`+"\r\n"...))
	default:
		r.badCommands.Add(1)
		r.reply(c, gpsdError("Unrecognized request '"+string(name)+"'"))
	}
}

// devicesJSON lists the inputs heard as gpsd's DEVICES.
func (r *Relay) devicesJSON() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := &r.gpsd
	b := []byte(`{"class":"DEVICES","devices":[`)
	for i, d := range g.devices {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"class":"DEVICE","path":`...)
		b = ais.AppendQuoted(b, []byte(d))
		b = append(b, `,"driver":"AIVDM","activated":"`...)
		b = g.since.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
		b = append(b, `","flags":1}`...)
	}
	return append(b, "]}\r\n"...)
}

// watchJSON is gpsd's reply to ?WATCH: the client's policy.
func watchJSON(c *client) []byte {
	enable := c.watch.Load()
	return []byte(`{"class":"WATCH","enable":` + strconv.FormatBool(enable) + `,"json":` + strconv.FormatBool(enable && c.json.Load()) +
		`,"nmea":` + strconv.FormatBool(c.nmeaAsked.Load()) + `,"raw":` + strconv.Itoa(int(c.raw.Load())) +
		`,"scaled":` + strconv.FormatBool(c.scaled.Load()) + `,"timing":false,"split24":false,"pps":false}` + "\r\n")
}

// gpsdError is gpsd's ERROR reply.
func gpsdError(msg string) []byte {
	if len(msg) > 200 {
		msg = msg[:200]
	}
	b := append([]byte(`{"class":"ERROR","message":`), ais.AppendQuoted(nil, []byte(msg))...)
	return append(b, "}\r\n"...)
}
