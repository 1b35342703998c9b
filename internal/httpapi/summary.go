package httpapi

import (
	"math"
	"slices"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Update is one change of the picture for the live stream: the state of a
// vessel after a good position was stored or its static data changed.
// It carries the domain values; the stream formats them as a vessel
// summary (the same JSON as /api/v1/vessels) with a "seq" member.
type Update struct {
	// Seq is the sequence number the Hub gives the update when it is
	// published (from 1 up); the value set by the caller is ignored.
	Seq  uint64
	MMSI vessel.MMSI
	// Located says whether Position holds a position.
	Located  bool
	Position vessel.Position
	// Static is the vessel's static data as known (Has says which
	// fields).
	Static vessel.Static
	// Conflict says an identity conflict is active for the vessel.
	Conflict bool
	// Track, when not 0, is shown as the summary's "track": the track
	// hypothesis of Position, for the picture at a past moment (the
	// live picture follows the main track and does not show it).
	Track uint8
	// Event, when set, makes this update a detected event (new or a new
	// version) rather than a vessel's state; the other fields are unused.
	Event *event.Event
	// Contact, when set, makes this update a radar or satellite contact
	// (stream event "contact"); the other fields are unused.
	Contact *Contact
}

// UpdateOf returns the Update for a vessel of the live picture, as
// Picture.Vessel returns it after a change.
func UpdateOf(s *LiveVessel) Update {
	return Update{MMSI: s.MMSI, Located: s.Located, Position: s.Position, Static: s.Static, Conflict: s.Conflict}
}

func updateOfAt(v *VesselAt) Update {
	u := Update{MMSI: v.MMSI, Located: v.HasPosition, Position: v.Position, Static: v.Static}
	if v.HasPosition {
		u.Track = v.Position.Track
	}
	return u
}

// Summary is the JSON form of a vessel in lists and in the stream. Fields
// that are not available are null.
type Summary struct {
	Seq      uint64   `json:"seq,omitempty"` // stream only
	MMSI     uint32   `json:"mmsi"`
	Name     *string  `json:"name"`
	CallSign *string  `json:"callsign"`
	IMO      *uint32  `json:"imo"`
	ShipType *uint8   `json:"ship_type"`
	Category string   `json:"category"`
	Flag     *string  `json:"flag"`
	Lat      *float64 `json:"lat"`
	Lon      *float64 `json:"lon"`
	SOG      *float64 `json:"sog"`
	COG      *float64 `json:"cog"`
	Heading  *int     `json:"heading"`
	Status   *int     `json:"status"`
	Time     *string  `json:"time"`
	AgeS     *int64   `json:"age_s"`
	Track    uint8    `json:"track,omitempty"` // vessels?at= only: the position's track hypothesis
	Flags    []string `json:"flags"`
}

func ptr[T any](v T) *T { return &v }

func round(v float64, places int) float64 {
	p := math.Pow10(places)
	return math.Round(v*p) / p
}

// optStr is nil for "".
func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// summaryOf formats u; ref is the moment ages are counted from.
func summaryOf(u *Update, ref vessel.Time) Summary {
	s := &u.Static
	out := Summary{Seq: u.Seq, MMSI: uint32(u.MMSI), Category: vessel.ShipCategory(s.ShipType).String()}
	if s.Has&vessel.HasName != 0 {
		out.Name = optStr(s.Name)
	}
	if s.Has&vessel.HasCallSign != 0 {
		out.CallSign = optStr(s.CallSign)
	}
	if s.IMO != 0 {
		out.IMO = ptr(s.IMO)
	}
	if s.ShipType != 0 {
		out.ShipType = ptr(s.ShipType)
	}
	if c, ok := u.MMSI.Flag(); ok && c.Code != "" {
		out.Flag = ptr(c.Code)
	}
	if u.Located {
		p := &u.Position
		out.Lat, out.Lon = ptr(round(p.Lat, 6)), ptr(round(p.Lon, 6))
		if v, ok := p.SOG.Knots(); ok {
			out.SOG = ptr(v)
		}
		if v, ok := p.COG.Degrees(); ok {
			out.COG = ptr(v)
		}
		if v, ok := p.Heading.Degrees(); ok {
			out.Heading = ptr(v)
		}
		if v, ok := p.Status.Value(); ok {
			out.Status = ptr(v)
		}
		out.Time = ptr(p.Time.String())
		out.AgeS = ptr(int64(ref-p.Time) / 1000)
	}
	out.Track = u.Track
	out.Flags = flagNames(u)
	return out
}

// flagNames lists the data-quality flags of a vessel: its latest
// position's, "invalid_mmsi" for an identity that is not a valid MMSI, and
// "identity_conflict" while a conflict is active.
func flagNames(u *Update) []string {
	var f vessel.Flags
	if u.Located {
		f = u.Position.Flags
	}
	if !u.MMSI.Valid() {
		f |= vessel.FlagInvalidMMSI
	}
	if u.Conflict {
		f |= vessel.FlagIdentityConflict
	}
	names := f.Names()
	if names == nil {
		names = []string{}
	}
	return slices.Clip(names)
}
