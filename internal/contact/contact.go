package contact

import (
	"errors"
	"fmt"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// ErrInvalidDetection marks a detection the associator refused: a position
// outside WGS-84, a non-finite number, no time, or an unknown sensor.
var ErrInvalidDetection = errors.New("contact: invalid detection")

// DetectionError says which detection of a call was refused and why.
type DetectionError struct {
	Index  int    // position of the detection in the slice passed in
	Reason string // what was wrong with it
}

func (e *DetectionError) Error() string {
	return fmt.Sprintf("contact: detection %d: %s", e.Index, e.Reason)
}

// Unwrap returns ErrInvalidDetection.
func (e *DetectionError) Unwrap() error { return ErrInvalidDetection }

// VesselState is what association needs of one AIS vessel: its last good
// position report and its length from static data.
type VesselState struct {
	MMSI      vessel.MMSI
	Time      vessel.Time // time of the last position report
	Lat, Lon  float64
	HasMotion bool    // SOGKn and COGDeg are known
	SOGKn     float64 // speed over ground, knots
	COGDeg    float64 // course over ground, degrees true
	LengthM   float64 // overall length from static data, 0 when unknown
}

// Vessels is the AIS picture as association sees it. The fusion picture
// (or a snapshot of it) satisfies it through a small adapter in server.
type Vessels interface {
	// Near calls fn for each vessel whose last position lies within
	// radiusM metres of (lat, lon), reported at or before t (any age:
	// the associator applies its own age limit), until fn returns false.
	Near(lat, lon, radiusM float64, t vessel.Time, fn func(VesselState) bool)
	// Vessel returns the last state of one vessel, false when unknown.
	Vessel(m vessel.MMSI) (VesselState, bool)
}

// Candidate is one AIS vessel considered for a detection, with the numbers
// that decided for or against it.
type Candidate struct {
	MMSI  vessel.MMSI
	AgeS  float64 // seconds from its last AIS report to the detection
	DistM float64 // metres from the detection to its predicted position
	// D2 is the squared Mahalanobis distance of the detection from the
	// predicted position (2 degrees of freedom: 13.8 is the 99.9% gate).
	D2 float64
	// LengthD2 is the squared normalised length difference (satellite
	// detections with a length, vessels with a known length), else 0.
	LengthD2 float64
	// Cost is what the global assignment minimised: for a satellite
	// detection D2+LengthD2; for a radar report the faded average D2 of the
	// radar track against this vessel over its recent scans, less the
	// stickiness bonus when the track already carries this identity.
	Cost float64
	// Score is the posterior probability of this candidate among all
	// candidates and "none" (exp(-Cost/2) weights against exp(-Gate/2)).
	Score float64

	reportT  vessel.Time // time of the AIS report predicted from
	viaRadar bool        // predicted from a radar track holding the identity, not from AIS
}

// Contact is a detection after association.
type Contact struct {
	vessel.Detection
	// Err is non-nil (a *DetectionError wrapping ErrInvalidDetection) when
	// the detection was refused; nothing else is set then.
	Err error
	// MMSI is the associated AIS vessel, 0 when none explains it.
	MMSI vessel.MMSI
	// Score is the posterior probability of the chosen association (of
	// "none" when MMSI is 0).
	Score float64
	// Held says the identity is carried by the radar track while the
	// vessel's AIS is silent ("held by radar").
	Held bool
	// Track is the associator's radar track number (unique within one
	// Associator, never recycled); 0 for satellite detections.
	Track uint64
	// Confirmed says the radar track passed M-of-N confirmation.
	Confirmed bool
	// Doubtful marks a satellite detection whose presence score is below
	// Config.DoubtfulScore: it never opens a dark target alone.
	Doubtful bool
	// Candidates are the vessels considered, best first (at most
	// Config.MaxCandidates).
	Candidates []Candidate
	// Episode is the ID of the dark-target episode this detection is
	// evidence for, "" when none.
	Episode string
}

// Episode is one dark target: a confirmed radar track, or a cluster of
// credible satellite detections, that no AIS vessel explains. It is
// emitted when it opens (Version 1), again as it continues (at most every
// Config.EpisodeEvery) and when it closes, always with the same ID;
// consumers keep the highest Version per ID.
type Episode struct {
	ID      string
	Version int
	// Kind is KindDarkTarget or KindAISMismatch.
	Kind string
	// MMSI is, for KindAISMismatch, the vessel whose AIS claims a position
	// where the radar sees nothing; 0 for dark targets.
	MMSI     vessel.MMSI
	Sensor   vessel.Sensor
	Source   string
	Start    vessel.Time
	End      vessel.Time // last detection so far
	Lat, Lon float64     // last position
	Closed   bool
	Evidence Evidence
}

// Kinds of Episode.
const (
	// KindDarkTarget: a radar track or satellite detections no AIS vessel
	// explains.
	KindDarkTarget = "dark_target"
	// KindAISMismatch: a vessel's AIS claims positions inside radar cover
	// where the radar sees nothing, while an unexplained radar track
	// follows the path those reports imply at a constant offset: the AIS
	// position is probably spoofed, and the track is the vessel.
	KindAISMismatch = "ais_position_mismatch"
)

// Evidence summarises why an episode is a dark target.
type Evidence struct {
	Reports  int      // detections that joined the episode
	Tracks   int      // radar tracks linked into it (a track broken and resumed counts twice)
	Targets  []string // radar target numbers seen (first 8)
	Scenes   []string // satellite scenes (first 8)
	Doubtful int      // low-score satellite detections among Reports
	MaxScore float64  // highest presence score, when the sensor gives one
	LengthM  float64  // largest estimated length, 0 when none given
	SpeedKn  float64  // radar track speed at the last update
	// Nearest is the nearest AIS vessel at the last detection and the
	// squared Mahalanobis distance that ruled it out; 0 when none in range.
	Nearest   vessel.MMSI
	NearestD2 float64
	// OffsetM and OffsetBearing are, for KindAISMismatch, where the AIS
	// claims to be relative to the radar track: metres at degrees true.
	OffsetM, OffsetBearing float64
}

// Noise is a sensor's measurement error model.
type Noise struct {
	// PosErrM is the one-sigma position error used when a detection gives
	// neither PosErrM nor range and bearing.
	PosErrM float64
	// RangeErrM + RangeErrFrac*range is the one-sigma range error and
	// BearingErrDeg the one-sigma bearing error, used for detections with
	// range and bearing (vessel.HasPolar) and no PosErrM.
	RangeErrM, RangeErrFrac, BearingErrDeg float64
}

// Config tunes association. The zero value of every field means its
// default, given in brackets.
type Config struct {
	Radar     Noise // [PosErrM 50, RangeErrM 20, RangeErrFrac 0.005, BearingErrDeg 0.5]
	Satellite Noise // [PosErrM 100]

	AISPosErrM   float64 // one-sigma error of an AIS position [15]
	SpeedErrMS   float64 // one-sigma speed change per second of prediction, m/s [0.3]
	SpeedErrFrac float64 // ... plus this fraction of the speed [0.05]
	CourseErrDeg float64 // one-sigma course change over a prediction [6]
	DriftMS      float64 // one-sigma drift of a vessel with no motion data, m/s [1]

	MaxAISAgeRadar     time.Duration // older AIS reports are not candidates for radar [10m]
	MaxAISAgeSatellite time.Duration // ... for satellite detections [30m]
	SearchRadiusRadarM float64       // radius of the candidate query for radar [3000]
	SearchRadiusSatM   float64       // ... for satellite detections [20000]

	GateD2       float64 // gate on the squared Mahalanobis distance of one report [13.8, 99.9% for 2-D]
	TrackGateD2  float64 // gate on a radar track's faded average squared distance to a vessel [8]
	LengthGateD2 float64 // gate on the squared normalised length difference [9]

	ConfirmM, ConfirmN int           // a radar track is confirmed when seen in M of the last N scans [3, 5]
	TrackTimeout       time.Duration // a radar track not updated for this long ends [60s]
	JumpD2             float64       // a report this far from its track's prediction breaks the track [60]
	TrackAccelMS2      float64       // radar track process noise, m/s² [0.5]
	Fade               float64       // memory of a track's candidate costs per scan [0.85]
	Sticky             float64       // cost bonus of a track's current identity [3]
	UnknownD2          float64       // cost assumed for scans before a candidate was first seen [13.8]
	BiasFade           float64       // memory of a track's mean offset from each candidate per scan [0.95]
	BiasWeight         float64       // weight of a candidate's mean-offset penalty over the best candidate's (at most UnknownD2) [0.5]

	DarkAfter  int           // unassociated updates of a confirmed track before it is dark [10]
	DarkMinAge time.Duration // ... and for at least this long (an AIS report interval) [3m]

	MismatchMinAge  time.Duration // an AIS path parallel to a dark track for this long is a position mismatch [10m]
	MismatchSearchM float64       // how far from a dark track to look for such a vessel [20000]
	EpisodeEvery    time.Duration // minimum interval between updates of one episode [10m]
	LinkWindow      time.Duration // a new dark track continues an ended one's episode within this [2h: more than a patrol's round]

	SatHeadingDeg  float64       // satellite ground-track heading when the pass does not say [348, ascending sun-synchronous]
	ShiftMPerMS    float64       // SAR azimuth shift per m/s of radial speed [100]
	DoubtfulScore  float64       // presence scores below this are doubtful [0.5]
	ClusterRadiusM float64       // satellite detections this close share an episode [2000]
	ClusterWindow  time.Duration // ... when this close in time [24h]
	CorroborateM   float64       // a doubtful detection joins an episode, or corroborates another, only this close [500]

	// Harbours are the berths and anchorages where an unexplained track
	// or detection opens no dark-target episode [nil: none].
	Harbours Harbours

	MaxCandidates int // candidates kept per contact [5]
	MaxQueued     int // episode updates queued before Episodes drains them; more are dropped and counted [4096]
	MaxDoubtful   int // unexplained doubtful satellite detections remembered for corroboration [4096]
}

func (c Config) withDefaults() Config {
	f := func(v *float64, d float64) {
		if *v <= 0 {
			*v = d
		}
	}
	d := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	i := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	f(&c.Radar.PosErrM, 50)
	f(&c.Radar.RangeErrM, 20)
	f(&c.Radar.RangeErrFrac, 0.005)
	f(&c.Radar.BearingErrDeg, 0.5)
	f(&c.Satellite.PosErrM, 100)
	f(&c.Satellite.RangeErrM, 20)
	f(&c.Satellite.RangeErrFrac, 0.001)
	f(&c.Satellite.BearingErrDeg, 0.1)
	f(&c.AISPosErrM, 15)
	f(&c.SpeedErrMS, 0.3)
	f(&c.SpeedErrFrac, 0.05)
	f(&c.CourseErrDeg, 6)
	f(&c.DriftMS, 1)
	d(&c.MaxAISAgeRadar, 10*time.Minute)
	d(&c.MaxAISAgeSatellite, 30*time.Minute)
	f(&c.SearchRadiusRadarM, 3000)
	f(&c.SearchRadiusSatM, 20000)
	f(&c.GateD2, 13.8)
	f(&c.LengthGateD2, 9)
	i(&c.ConfirmM, 3)
	i(&c.ConfirmN, 5)
	if c.ConfirmN > 32 {
		c.ConfirmN = 32
	}
	if c.ConfirmM > c.ConfirmN {
		c.ConfirmM = c.ConfirmN
	}
	d(&c.TrackTimeout, 60*time.Second)
	f(&c.JumpD2, 60)
	f(&c.TrackAccelMS2, 0.5)
	if c.Fade <= 0 || c.Fade >= 1 {
		c.Fade = 0.85
	}
	f(&c.Sticky, 3)
	if c.BiasFade <= 0 || c.BiasFade >= 1 {
		c.BiasFade = 0.95
	}
	f(&c.BiasWeight, 0.5)
	f(&c.UnknownD2, 13.8)
	f(&c.TrackGateD2, 8)
	i(&c.DarkAfter, 10)
	d(&c.DarkMinAge, 3*time.Minute)
	d(&c.MismatchMinAge, 10*time.Minute)
	f(&c.MismatchSearchM, 20000)
	d(&c.EpisodeEvery, 10*time.Minute)
	d(&c.LinkWindow, 2*time.Hour)
	if c.SatHeadingDeg == 0 {
		c.SatHeadingDeg = 348
	}
	f(&c.ShiftMPerMS, 100)
	f(&c.DoubtfulScore, 0.5)
	f(&c.ClusterRadiusM, 2000)
	d(&c.ClusterWindow, 24*time.Hour)
	f(&c.CorroborateM, 500)
	i(&c.MaxCandidates, 5)
	i(&c.MaxQueued, 4096)
	i(&c.MaxDoubtful, 4096)
	return c
}

// Stats counts what the associator did; read it with Associator.Stats.
type Stats struct {
	Reports         int // detections offered
	Rejected        int // refused as invalid (Contact.Err set)
	Associated      int // contacts given an MMSI (held ones included)
	Held            int // contacts whose identity was held by radar
	Tracks          int // radar tracks started
	Confirmed       int // radar tracks confirmed
	Breaks          int // radar tracks broken by a jump (recycled target number)
	Episodes        int // dark-target episodes opened
	Mismatches      int // AIS position mismatch episodes opened
	Linked          int // dark radar tracks that continued an ended episode
	Doubtful        int // doubtful satellite detections
	InHarbour       int // dark contacts that opened no episode because they were in a harbour
	QueueDropped    int // episode updates dropped because the queue was full
	DoubtfulDropped int // doubtful detections forgotten because their memory was full
}
