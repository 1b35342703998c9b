package ingest

import (
	"bytes"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Observe appends to dst the observations that the decoded message d
// carries and returns the extended slice. Most messages give one
// observation; a type 19 report gives two (its position, then its static
// data); messages that say nothing about a station's position or identity
// (binary, safety, acknowledgements, ...) give none.
//
// The mapping:
//
//	types 1, 2, 3, 18, 27   KindPosition
//	type 9                  KindPosition (SAR aircraft; speed in whole knots)
//	type 19                 KindPosition and KindStatic (name, ship type, dimensions)
//	type 5                  KindStatic (name, call sign, IMO, ship type, destination, ETA, dimensions, draught)
//	type 24                 KindStatic (part A name; part B call sign, ship type, dimensions)
//	types 4, 11             KindBaseStation
//	type 21                 KindAidToNav (position, name, dimensions)
//
// The time comes from vessel.ResolveTime over the tag-block time, the
// receiver or archive time, arrival and the message's "second" field; the
// source is the tag-block s: field or "". A position that is not available
// or out of range is kept with Lat 91 and Lon 181, for the picture to flag
// (vessel.FlagNoPosition). Text fields are kept as sent, trimmed; they are
// attacker-controlled and must be escaped wherever they are shown.
//
// With a dst of capacity 2, Observe does not allocate for position
// reports without a tag-block source; text fields and sources are new
// strings. An Observer interns sources.
func Observe(d Decoded, arrival vessel.Time, dst []vessel.Observation) []vessel.Observation {
	var o Observer
	return o.Observe(d, arrival, dst)
}

// maxInterned bounds the sources an Observer remembers.
const maxInterned = 256

// Observer maps decoded messages to observations like Observe, and keeps
// the source strings it has made so that a feed's few receiver names are
// allocated once: its Observe does not allocate for position reports. The
// zero value is ready to use; it is not safe for concurrent use.
type Observer struct {
	sources map[string]string
}

// Observe is the package's Observe with interned sources.
func (o *Observer) Observe(d Decoded, arrival vessel.Time, dst []vessel.Observation) []vessel.Observation {
	times := vessel.Times{Arrival: arrival, Second: -1}
	var src []byte
	if d.NMEA != nil {
		if !d.NMEA.Time.IsZero() {
			times.TagBlock = vessel.TimeOf(d.NMEA.Time)
		}
		if !d.NMEA.RecvTime.IsZero() {
			times.Receiver = vessel.TimeOf(d.NMEA.RecvTime)
		}
		src = d.NMEA.Source
	}
	switch m := d.Msg.(type) {
	case *ais.PositionReport:
		times.Second = second(m.Second)
		p := o.position(&dst, vessel.KindPosition, m.MMSI, times, src)
		setLatLon(p, m.Lat, m.Lon)
		p.SOG, p.COG, p.Heading = speed(m.Speed), course(m.Course), heading(m.Heading)
		p.Status = status(m.Status)
	case *ais.ClassBPosition:
		times.Second = second(m.Second)
		p := o.position(&dst, vessel.KindPosition, m.MMSI, times, src)
		setLatLon(p, m.Lat, m.Lon)
		p.SOG, p.COG, p.Heading = speed(m.Speed), course(m.Course), heading(m.Heading)
	case *ais.ExtClassBPosition:
		times.Second = second(m.Second)
		p := o.position(&dst, vessel.KindPosition, m.MMSI, times, src)
		setLatLon(p, m.Lat, m.Lon)
		p.SOG, p.COG, p.Heading = speed(m.Speed), course(m.Course), heading(m.Heading)
		// p is not used past here: the append below may move dst.
		s := o.static(&dst, vessel.KindStatic, m.MMSI, times, src)
		setName(s, &m.ShipName)
		setShipType(s, m.ShipType)
		setDim(s, m.Dim)
	case *ais.LongRangePosition:
		p := o.position(&dst, vessel.KindPosition, m.MMSI, times, src)
		p.Lat, p.Lon = 91, 181
		lat, okLat := m.Lat.Degrees()
		lon, okLon := m.Lon.Degrees()
		if okLat && okLon {
			p.Lat, p.Lon = lat, lon
		}
		p.SOG, p.COG = vessel.NoSpeed, vessel.NoCourse
		if kn, ok := m.Speed.Knots(); ok {
			p.SOG = vessel.Speed(min(kn*10, 1022))
		}
		if deg, ok := m.Course.Degrees(); ok {
			p.COG = vessel.Course(deg * 10)
		}
		p.Status = status(m.Status)
	case *ais.SARPosition:
		times.Second = second(m.Second)
		p := o.position(&dst, vessel.KindPosition, m.MMSI, times, src)
		setLatLon(p, m.Lat, m.Lon)
		if kn, ok := m.Speed.Knots(); ok {
			p.SOG = vessel.Speed(min(kn*10, 1022))
		}
		p.COG = course(m.Course)
	case *ais.BaseStationReport:
		if m.TimeValid() {
			times.Second = int(m.Second)
		}
		p := o.position(&dst, vessel.KindBaseStation, m.MMSI, times, src)
		setLatLon(p, m.Lat, m.Lon)
	case *ais.AidToNavigation:
		times.Second = second(m.Second)
		p := o.position(&dst, vessel.KindAidToNav, m.MMSI, times, src)
		setLatLon(p, m.Lat, m.Lon)
		ob := &dst[len(dst)-1]
		ob.Static = vessel.Static{MMSI: p.MMSI, Time: p.Time, Source: p.Source}
		setName(&ob.Static, &m.Name)
		setDim(&ob.Static, m.Dim)
	case *ais.StaticVoyage:
		s := o.static(&dst, vessel.KindStatic, m.MMSI, times, src)
		setName(s, &m.ShipName)
		setCallSign(s, &m.CallSign)
		if m.IMO != 0 {
			s.IMO, s.Has = m.IMO, s.Has|vessel.HasIMO
		}
		setShipType(s, m.ShipType)
		setDim(s, m.Dim)
		if m.Draught != 0 {
			s.Draught, s.Has = uint16(m.Draught), s.Has|vessel.HasDraught
		}
		// A type 5 report states the voyage as it now is: an empty
		// destination or an ETA that is not available replaces an older one.
		s.Destination = textString(&m.Destination)
		s.ETA = eta(m.ETA)
		s.Has |= vessel.HasDestination | vessel.HasETA
	case *ais.StaticDataReport:
		s := o.static(&dst, vessel.KindStatic, m.MMSI, times, src)
		if m.Part == 0 {
			setName(s, &m.ShipName)
			break
		}
		setCallSign(s, &m.CallSign)
		setShipType(s, m.ShipType)
		if !m.Auxiliary() {
			setDim(s, m.Dim)
		}
	}
	return dst
}

// position appends an observation of kind k with its identity, time and
// source set and every kinematic field "not available", and returns its
// Position.
func (o *Observer) position(dst *[]vessel.Observation, k vessel.Kind, mmsi uint32, times vessel.Times, src []byte) *vessel.Position {
	t, ts := vessel.ResolveTime(times)
	*dst = append(*dst, vessel.Observation{
		Kind: k,
		Position: vessel.Position{
			MMSI: vessel.MMSI(mmsi), Time: t, Lat: 91, Lon: 181,
			SOG: vessel.NoSpeed, COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus,
			Source: o.source(src),
		},
		TimeSource: ts,
	})
	return &(*dst)[len(*dst)-1].Position
}

// static appends an observation of kind k with an empty Static.
func (o *Observer) static(dst *[]vessel.Observation, k vessel.Kind, mmsi uint32, times vessel.Times, src []byte) *vessel.Static {
	t, ts := vessel.ResolveTime(times)
	*dst = append(*dst, vessel.Observation{
		Kind:       k,
		Static:     vessel.Static{MMSI: vessel.MMSI(mmsi), Time: t, Source: o.source(src)},
		TimeSource: ts,
	})
	return &(*dst)[len(*dst)-1].Static
}

// source returns src as a string, interned.
func (o *Observer) source(src []byte) string {
	if len(src) == 0 {
		return ""
	}
	if s, ok := o.sources[string(src)]; ok {
		return s
	}
	s := string(src)
	if o.sources == nil {
		o.sources = make(map[string]string)
	}
	if len(o.sources) >= maxInterned {
		clear(o.sources) // a feed with many sources: start over, stay bounded
	}
	o.sources[s] = s
	return s
}

func setLatLon(p *vessel.Position, lat ais.Lat, lon ais.Lon) {
	la, okLat := lat.Degrees()
	lo, okLon := lon.Degrees()
	if okLat && okLon {
		p.Lat, p.Lon = la, lo
	} else {
		p.Lat, p.Lon = 91, 181
	}
}

func second(s ais.Second) int {
	if v, ok := s.Value(); ok {
		return v
	}
	return -1
}

func speed(s ais.Speed) vessel.Speed {
	if s >= ais.SpeedNA {
		return vessel.NoSpeed
	}
	return vessel.Speed(s)
}

func course(c ais.Course) vessel.Course {
	if c >= ais.CourseNA {
		return vessel.NoCourse
	}
	return vessel.Course(c)
}

func heading(h ais.Heading) vessel.Heading {
	if h > 359 {
		return vessel.NoHeading
	}
	return vessel.Heading(h)
}

func status(s ais.NavStatus) vessel.NavStatus {
	if s > 15 {
		return vessel.NoStatus
	}
	return vessel.NavStatus(s)
}

// textString returns t trimmed of surrounding spaces.
func textString(t *ais.Text) string {
	b := bytes.TrimSpace(t.Bytes())
	if len(b) == 0 {
		return ""
	}
	return string(b)
}

func setName(s *vessel.Static, t *ais.Text) {
	if n := textString(t); n != "" {
		s.Name, s.Has = n, s.Has|vessel.HasName
	}
}

func setCallSign(s *vessel.Static, t *ais.Text) {
	if c := textString(t); c != "" {
		s.CallSign, s.Has = c, s.Has|vessel.HasCallSign
	}
}

func setShipType(s *vessel.Static, t ais.ShipType) {
	if t != 0 {
		s.ShipType, s.Has = uint8(t), s.Has|vessel.HasShipType
	}
}

func setDim(s *vessel.Static, d ais.Dimensions) {
	if d != (ais.Dimensions{}) {
		s.ToBow, s.ToStern, s.ToPort, s.ToStarboard = d.ToBow, d.ToStern, d.ToPort, d.ToStarboard
		s.Has |= vessel.HasDimensions
	}
}

// eta formats a type 5 ETA as "MM-DDTHH:MM", or "" when any part is not
// available or out of range (month 0, day 0, hour 24, minute 60).
func eta(e ais.ETA) string {
	if e.Month < 1 || e.Month > 12 || e.Day < 1 || e.Day > 31 || e.Hour > 23 || e.Minute > 59 {
		return ""
	}
	b := [11]byte{
		'0' + e.Month/10, '0' + e.Month%10, '-',
		'0' + e.Day/10, '0' + e.Day%10, 'T',
		'0' + e.Hour/10, '0' + e.Hour%10, ':',
		'0' + e.Minute/10, '0' + e.Minute%10,
	}
	return string(b[:])
}
