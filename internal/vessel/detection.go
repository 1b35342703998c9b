package vessel

// Sensor is the kind of non-cooperative sensor a Detection comes from.
type Sensor uint8

const (
	SensorUnknown   Sensor = iota
	SensorRadar            // a shipborne, coastal, VTS or platform radar (NMEA TTM/TLL, ASTERIX)
	SensorSatellite        // a satellite detection: SAR, optical or VIIRS night lights
)

// String returns "radar", "satellite" or "unknown".
func (s Sensor) String() string {
	switch s {
	case SensorRadar:
		return "radar"
	case SensorSatellite:
		return "satellite"
	}
	return "unknown"
}

// Detection is one report of a target by a non-cooperative sensor: a radar
// plot or radar track update, or a satellite detection. It says where
// something was seen and when, never who it is: association with AIS
// identities is the contact layer's job.
//
// Position is always WGS-84 latitude and longitude (parsers turn range and
// bearing from a moving own ship or a fixed site into it). Fields a sensor
// does not give are zero and their Has bit is clear.
type Detection struct {
	Time   Time
	Sensor Sensor
	// Source names the sensor: a radar's tag-block source or input name
	// (or ASTERIX SAC/SIC "25/12"), a satellite scene's product name.
	Source string
	// Target is the radar's own target or track number (TTM/TLL target
	// number, ASTERIX track number), "" when the sensor gives none. Radars
	// recycle target numbers: the same Target at two times is not
	// necessarily the same object.
	Target string
	// Scene groups the detections of one satellite scene or one radar scan
	// (assignment is global within a scene); "" when unknown.
	Scene string

	Lat, Lon float64 // degrees, WGS-84

	// PosErrM is the sensor's one-sigma position error in metres for this
	// detection (radar: grows with range; SAR: a few tens of metres); 0
	// when unknown (the association layer then uses a per-sensor default).
	PosErrM float64

	Has DetectionFields

	SpeedKn   float64 // speed over ground, knots (HasMotion)
	CourseDeg float64 // course over ground, degrees true (HasMotion)
	LengthM   float64 // estimated length, metres (HasLength)
	// Score is the sensor's confidence or presence score in [0, 1]
	// (HasScore): GFW inferred_presence, xView3 confidence, VIIRS quality.
	Score float64
	// RangeM and BearingDeg are the measured range and true bearing from
	// the sensor when it gave them (HasPolar); SensorLat and SensorLon are
	// the sensor's own position then.
	RangeM, BearingDeg   float64
	SensorLat, SensorLon float64
	// Name is a label the sensor attached (TTM target name), untrusted.
	Name string
	// Status is the radar's target status: 'T' tracking, 'Q' query
	// (acquiring), 'L' lost; 0 when not given.
	Status byte
}

// DetectionFields says which optional fields of a Detection are set.
type DetectionFields uint8

const (
	HasMotion DetectionFields = 1 << iota
	HasLength
	HasScore
	HasPolar
)
