package cot

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// ErrPosition reports a latitude or longitude that is not a finite number
// in range; such a report is not encoded.
var ErrPosition = errors.New("cot: position out of range")

// The "how" values tidewatch writes (CoT how tree).
const (
	HowGPS   = "m-g" // machine, GPS: an AIS report carries the ship's own GNSS fix
	HowFused = "m-f" // machine, fused: a radar or satellite contact
)

// Unknown is the CoT value for an unknown height or error (metres).
const Unknown = 9999999.0

// Event is one CoT event: a track of the picture at a moment.
type Event struct {
	UID   string
	Type  string
	How   string
	Time  time.Time // when the event was made
	Start time.Time // when the report it carries was made
	Stale time.Time // when a client should consider it out of date
	Lat   float64   // degrees north, WGS-84
	Lon   float64   // degrees east
	HAE   float64   // height above the ellipsoid, metres
	CE    float64   // circular error, metres
	LE    float64   // linear (height) error, metres

	Callsign string
	// HasTrack tells whether Course (degrees true) and Speed (m/s) are
	// known.
	HasTrack bool
	Course   float64
	Speed    float64
	Remarks  string
}

// Category maps a vessel category to a CoT type. AIS tells nothing about
// allegiance, so civil vessels are neutral ("a-n") and military ones of
// unknown affiliation ("a-u-S-C", combatant); the function part follows
// the CoT/MIL-STD-2525 sea-surface tree:
//
//	cargo            a-n-S-X-M-C   merchant, cargo
//	tanker           a-n-S-X-M-O   merchant, oiler/tanker
//	passenger        a-n-S-X-M-P   merchant, passenger
//	tug              a-n-S-X-M-T   merchant, tug
//	fishing          a-n-S-X-F     fishing
//	pleasure,sailing a-n-S-X-R     leisure craft
//	law_enforcement  a-n-S-X-L     law enforcement
//	military         a-u-S-C       combatant, affiliation unknown
//	everything else  a-n-S-X       non-military surface
//
// Radar and satellite contacts, whose identity is unknown, are "a-u-S"
// (ContactType).
func Category(c vessel.Category) string {
	switch c {
	case vessel.CategoryCargo:
		return "a-n-S-X-M-C"
	case vessel.CategoryTanker:
		return "a-n-S-X-M-O"
	case vessel.CategoryPassenger:
		return "a-n-S-X-M-P"
	case vessel.CategoryTug:
		return "a-n-S-X-M-T"
	case vessel.CategoryFishing:
		return "a-n-S-X-F"
	case vessel.CategoryPleasure, vessel.CategorySailing:
		return "a-n-S-X-R"
	case vessel.CategoryLawEnforcement:
		return "a-n-S-X-L"
	case vessel.CategoryMilitary:
		return "a-u-S-C"
	}
	return "a-n-S-X"
}

// ContactType is the CoT type of a non-cooperative contact: an unknown
// surface track.
const ContactType = "a-u-S"

// knotMS is one knot in metres per second.
const knotMS = 1852.0 / 3600

// Vessel makes the event of a vessel from its latest position and static
// data (st.MMSI 0 when none is known). now is the event's time; the event
// starts at the report's time and goes stale ttl after it, so an old report
// makes an event that is already stale or nearly so.
func Vessel(p vessel.Position, st vessel.Static, now time.Time, ttl time.Duration) (Event, error) {
	if !validPos(p.Lat, p.Lon) {
		return Event{}, fmt.Errorf("%w: mmsi %d lat %v lon %v", ErrPosition, p.MMSI, p.Lat, p.Lon)
	}
	rep := p.Time.Std()
	ev := Event{
		UID:   "tidewatch-mmsi-" + strconv.FormatUint(uint64(p.MMSI), 10),
		Type:  Category(vessel.ShipCategory(st.ShipType)),
		How:   HowGPS,
		Time:  now.UTC(),
		Start: rep,
		Stale: rep.Add(ttl),
		Lat:   p.Lat, Lon: p.Lon,
		HAE: 0, CE: 10, LE: Unknown,
		Callsign: strings.TrimSpace(st.Name),
	}
	if ev.Callsign == "" {
		ev.Callsign = strconv.FormatUint(uint64(p.MMSI), 10)
	}
	if c, ok := p.COG.Degrees(); ok {
		if kn, ok := p.SOG.Knots(); ok {
			ev.HasTrack, ev.Course, ev.Speed = true, c, kn*knotMS
		}
	}
	var r strings.Builder
	fmt.Fprintf(&r, "MMSI %d", p.MMSI)
	if st.IMO != 0 {
		fmt.Fprintf(&r, " IMO %d", st.IMO)
	}
	if cs := strings.TrimSpace(st.CallSign); cs != "" {
		r.WriteString(" call sign " + cs)
	}
	if d := strings.TrimSpace(st.Destination); d != "" {
		r.WriteString(" destination " + d)
	}
	ev.Remarks = r.String()
	return ev, nil
}

// Contact makes the event of a radar or satellite detection not associated
// with an AIS identity: an unknown surface track named by its sensor and
// target number.
func Contact(d vessel.Detection, now time.Time, ttl time.Duration) (Event, error) {
	if !validPos(d.Lat, d.Lon) {
		return Event{}, fmt.Errorf("%w: contact %s/%s lat %v lon %v", ErrPosition, d.Source, d.Target, d.Lat, d.Lon)
	}
	id := d.Source + "-" + d.Target
	if d.Target == "" {
		id = d.Source + "-" + strconv.FormatInt(int64(d.Time), 10)
	}
	rep := d.Time.Std()
	ev := Event{
		UID: "tidewatch-contact-" + id, Type: ContactType, How: HowFused,
		Time: now.UTC(), Start: rep, Stale: rep.Add(ttl),
		Lat: d.Lat, Lon: d.Lon, CE: Unknown, LE: Unknown,
		Callsign: "contact " + id,
		Remarks:  d.Sensor.String() + " contact from " + d.Source,
	}
	if d.PosErrM > 0 && !math.IsInf(d.PosErrM, 0) {
		ev.CE = d.PosErrM
	}
	if d.Has&vessel.HasMotion != 0 && finite(d.SpeedKn) && finite(d.CourseDeg) && d.SpeedKn >= 0 {
		ev.HasTrack, ev.Course, ev.Speed = true, math.Mod(math.Mod(d.CourseDeg, 360)+360, 360), d.SpeedKn*knotMS
	}
	return ev, nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func validPos(lat, lon float64) bool {
	return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

// timeLayout is CoT's time form: UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

// Append appends ev as one XML document (declaration and <event>) to b.
// Text from AIS (names, destinations) is escaped; characters XML cannot
// hold become U+FFFD. Non-finite numbers are written as CoT's unknown.
func Append(b []byte, ev *Event) []byte {
	w := bytes.NewBuffer(b)
	w.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><event version="2.0" uid="`)
	xml.EscapeText(w, []byte(ev.UID))
	w.WriteString(`" type="`)
	xml.EscapeText(w, []byte(ev.Type))
	w.WriteString(`" how="`)
	xml.EscapeText(w, []byte(ev.How))
	w.WriteString(`" time="`)
	w.Write(ev.Time.UTC().AppendFormat(w.AvailableBuffer(), timeLayout))
	w.WriteString(`" start="`)
	w.Write(ev.Start.UTC().AppendFormat(w.AvailableBuffer(), timeLayout))
	w.WriteString(`" stale="`)
	w.Write(ev.Stale.UTC().AppendFormat(w.AvailableBuffer(), timeLayout))
	w.WriteString(`"><point lat="`)
	num(w, ev.Lat, 7)
	w.WriteString(`" lon="`)
	num(w, ev.Lon, 7)
	w.WriteString(`" hae="`)
	num(w, ev.HAE, 1)
	w.WriteString(`" ce="`)
	num(w, ev.CE, 1)
	w.WriteString(`" le="`)
	num(w, ev.LE, 1)
	w.WriteString(`"/><detail><contact callsign="`)
	xml.EscapeText(w, []byte(ev.Callsign))
	w.WriteString(`"/>`)
	if ev.HasTrack {
		w.WriteString(`<track course="`)
		num(w, ev.Course, 1)
		w.WriteString(`" speed="`)
		num(w, ev.Speed, 2)
		w.WriteString(`"/>`)
	}
	if ev.Remarks != "" {
		w.WriteString(`<remarks>`)
		xml.EscapeText(w, []byte(ev.Remarks))
		w.WriteString(`</remarks>`)
	}
	w.WriteString(`</detail></event>`)
	return w.Bytes()
}

func num(w *bytes.Buffer, f float64, prec int) {
	if !finite(f) {
		f = Unknown
	}
	w.Write(strconv.AppendFloat(w.AvailableBuffer(), f, 'f', prec, 64))
}
