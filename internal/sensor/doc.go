// Package sensor turns the output of non-cooperative sensors into
// vessel.Detection values: radars speaking NMEA 0183 (IEC 61162-1) and
// satellite detection files. It says where something was seen, never who
// it is: association with AIS is the contact layer's job.
//
// The package owns:
//
//   - Radar (radar.go): the radar sentences TTM (target number, range,
//     true or relative bearing, speed and course true or relative, CPA,
//     TCPA, units N/K/S, name, status L/Q/T, time, acquisition), TLL
//     (target latitude and longitude), OSD (own ship data) and RSD (radar
//     system data: range scale and display rotation, kept per source, see
//     Radar.System), and the own ship's navigation sentences RMC, GGA,
//     VTG, HDT and THS. Sentences are grouped by source: the tag-block s:
//     field, else the input's name (RadarOptions.Source). A TTM becomes a
//     position from the own ship's position interpolated at the TTM's time
//     between fixes at most RadarOptions.MaxGap apart (a report after the
//     last fix waits, in a bounded queue, for the next one), or from the
//     source's fixed Site (coastal, VTS, platform radars; a Site without
//     a name serves every source without one of its own) when the source
//     sends no own-ship position. Relative bearings are turned true with
//     the latest HDT/THS/OSD heading; relative target motion is turned
//     true with the own ship's motion. PosErrM comes from the range and
//     the Noise model (default 20 m + 0.5% of range, 0.4° of bearing). A
//     TLL is a position as sent; when the sensor's position is known its
//     range, bearing and PosErrM are filled in too.
//
//   - ReadSat (sat.go): satellite detection CSVs recognised by their
//     header (SniffCSV): Global Fishing Watch SAR detections (scene_id,
//     detect_id, detect_timestamp, detect_lat, detect_lon,
//     inferred_length_m, inferred_presence), xView3 labels (detect_lat,
//     detect_lon, vessel_length_m, confidence HIGH/MEDIUM/LOW or a number,
//     is_vessel, scene_id; no time per row: the time comes from
//     SatOptions.SceneTimes, else from a scene id that is a Sentinel-1
//     product name, else SatOptions.Time) and VIIRS boat detections
//     (Lat_DNB, Lon_DNB, Date_Mscan, QF_Detect: boats kept with a score by
//     flag, other lights skipped);
//
//   - ReadGeoJSON (geojson.go): GeoJSON points with a time property;
//
//   - Asterix (asterix.go): ASTERIX CAT 048 target reports and CAT 062
//     system tracks decoded by package asterix, from a pcap capture or a
//     raw recording (ReadAsterix), as radar detections with Source
//     "SAC/SIC" and Target the track number; CAT 048 polar positions are
//     placed from the radar's configured site or its CAT 034 I120;
//
//   - Sniff (sniff.go): which of these formats an input holds, from its
//     first 64 KiB, for ingest's content detection.
//
// # Usage
//
//	st, err := sensor.ReadRadar(f, sensor.RadarOptions{Source: "patrol", Sites: sites}, func(d *vessel.Detection) error {
//		... // d is valid during the call
//	})
//	// err: reading f or emit failed; bad lines are in st.Errors and st.Samples
//
// Of a TTM, the CPA, TCPA, reference-target flag and acquisition type are
// display data derived by the radar and are not kept; a bad value there
// does not cost the report.
//
// Times: a sentence's hhmmss field on the date of its tag-block c: time
// (or leading receiver time), else of the source's latest time (RMC
// carries the date), else RadarOptions.Date; the day before or after is
// taken when it is nearer (a report at 23:59:59 under a tag block of
// 00:00:01). Detection.Scene groups a radar's reports of one instant:
// "source time".
//
// # Errors
//
// Bad input never stops a reader and never loses the good lines around
// it: each bad line, row or record is counted in Stats, and the first
// MaxSamples are kept as *LineError values (line number, field, and a
// sentinel: ErrField, ErrNoPosition, ErrNoHeading, ErrNoTime, ErrHeader,
// ErrRow, or an nmea error such as nmea.ErrChecksum). Line is the line
// number for NMEA and CSV (the row's first line), the feature's number
// for GeoJSON, the datagram's number in a pcap (1 for a raw recording)
// for ASTERIX.
//
// # Testing
//
// The radar fixtures are built from the sentence definitions
// (testdata/radar), the satellite ones from the published column
// definitions (testdata/sat); ASTERIX is read from the real captures in
// ../shared/testdata/radar/asterix at test time. The simulator's radar and
// SAR output is parsed back and compared with its ground truth. Every
// reader is fuzzed (FuzzRadarNMEA, FuzzSatCSV, FuzzAsterix; corpus in
// testdata/fuzz) and benchmarked in detections per second.
//
// # Concurrency
//
// No type in this package is safe for concurrent use; nothing starts a
// goroutine or logs.
package sensor
