package ais

// MetHydro is a meteorological and hydrological data report (type 8, DAC
// 1): FI 31 of IMO SN.1/Circ.289, or FI 11, its IMO SN/Circ.236
// predecessor. The two layouts carry the same quantities with different
// widths, offsets and "not available" codes.
//
// The fields hold the values as transmitted, which is what the JSON shows
// unscaled; read them as physical quantities through the methods, which
// apply the layout's scale and offset and return false for "not
// available" (and for values outside the layout's range).
type MetHydro struct {
	FI       uint8   // 31 (IMO289) or 11 (IMO236)
	Lon      Lon1000 // position of the station
	Lat      Lat1000
	Accuracy bool // position accuracy better than 10 m (FI 31 only)
	// Time of the observation (UTC): day of month, hour and minute; 0,
	// 24 and 60 mean "not available".
	Day, Hour, Minute uint8

	WindSpeed   uint8  // average wind speed, knots (7 bits)
	WindGust    uint8  // wind gust, knots (7 bits)
	WindDir     uint16 // wind direction, degrees (9 bits)
	WindGustDir uint16 // wind gust direction, degrees (9 bits)
	// AirTemp is 1/10 °C, signed (FI 31), or 1/10 °C plus 60 °C,
	// unsigned (FI 11).
	AirTemp  int16
	Humidity uint8 // relative humidity, %
	// DewPoint is 1/10 °C, signed (FI 31), or 1/10 °C plus 20 °C (FI 11).
	DewPoint int16
	// Pressure is hPa minus 799 (FI 31) or 800 (FI 11).
	Pressure     uint16
	PressureTend uint8 // 0 steady, 1 decreasing, 2 increasing, 3 not available
	VisGreater   bool  // visibility greater than the value given (FI 31 only)
	Visibility   uint8 // horizontal visibility, 1/10 nautical mile
	// WaterLevel is in 1/100 m plus 10 m (FI 31, 12 bits) or in 1/10 m
	// plus 10 m (FI 11, 9 bits), relative to the local chart datum.
	WaterLevel int16
	LevelTrend uint8 // 0 steady, 1 decreasing, 2 increasing, 3 not available
	// Currents are the surface current (whose Depth is always 0) and
	// the currents at two depths.
	Currents    [3]Current
	WaveHeight  uint8  // significant wave height, 1/10 m
	WavePeriod  uint8  // wave period, seconds
	WaveDir     uint16 // wave direction, degrees
	SwellHeight uint8  // swell height, 1/10 m
	SwellPeriod uint8  // swell period, seconds
	SwellDir    uint16 // swell direction, degrees
	SeaState    uint8  // Beaufort scale 0-12
	// WaterTemp is 1/10 °C, signed (FI 31), or 1/10 °C plus 10 °C (FI 11).
	WaterTemp  int16
	PrecipType uint8  // precipitation type (WMO 306 code table 4.201); 7 is "not available"
	Salinity   uint16 // 1/10 ‰
	Ice        uint8  // 0 no, 1 yes, 3 not available
}

// Current is a water current measurement of a MetHydro report.
type Current struct {
	Speed uint8  // 1/10 knot
	Dir   uint16 // degrees
	Depth uint8  // measuring depth, metres
}

func (a *MetHydro) decode(bb *bitbuf, fi uint8) {
	a.FI = fi
	if fi == 11 {
		a.decode236(bb)
		return
	}
	a.Lon = Lon1000(bb.s(56, 25))
	a.Lat = Lat1000(bb.s(81, 24))
	a.Accuracy = bb.bit(105)
	a.Day = uint8(bb.u(106, 5))
	a.Hour = uint8(bb.u(111, 5))
	a.Minute = uint8(bb.u(116, 6))
	a.WindSpeed = uint8(bb.u(122, 7))
	a.WindGust = uint8(bb.u(129, 7))
	a.WindDir = uint16(bb.u(136, 9))
	a.WindGustDir = uint16(bb.u(145, 9))
	a.AirTemp = int16(bb.s(154, 11))
	a.Humidity = uint8(bb.u(165, 7))
	a.DewPoint = int16(bb.s(172, 10))
	a.Pressure = uint16(bb.u(182, 9))
	a.PressureTend = uint8(bb.u(191, 2))
	a.VisGreater = bb.bit(193)
	a.Visibility = uint8(bb.u(194, 7))
	a.WaterLevel = int16(bb.u(201, 12))
	a.LevelTrend = uint8(bb.u(213, 2))
	a.decodeSea(bb, 215)
	a.WaterTemp = int16(bb.s(326, 10))
	a.PrecipType = uint8(bb.u(336, 3))
	a.Salinity = uint16(bb.u(339, 9))
	a.Ice = uint8(bb.u(348, 2))
}

func (a *MetHydro) decode236(bb *bitbuf) {
	a.Lat = Lat1000(bb.s(56, 24))
	a.Lon = Lon1000(bb.s(80, 25))
	a.Accuracy = false
	a.Day = uint8(bb.u(105, 5))
	a.Hour = uint8(bb.u(110, 5))
	a.Minute = uint8(bb.u(115, 6))
	a.WindSpeed = uint8(bb.u(121, 7))
	a.WindGust = uint8(bb.u(128, 7))
	a.WindDir = uint16(bb.u(135, 9))
	a.WindGustDir = uint16(bb.u(144, 9))
	a.AirTemp = int16(bb.u(153, 11))
	a.Humidity = uint8(bb.u(164, 7))
	a.DewPoint = int16(bb.u(171, 10))
	a.Pressure = uint16(bb.u(181, 9))
	a.PressureTend = uint8(bb.u(190, 2))
	a.VisGreater = false
	a.Visibility = uint8(bb.u(192, 8))
	a.WaterLevel = int16(bb.u(200, 9))
	a.LevelTrend = uint8(bb.u(209, 2))
	a.decodeSea(bb, 211)
	a.WaterTemp = int16(bb.u(322, 10))
	a.PrecipType = uint8(bb.u(332, 3))
	a.Salinity = uint16(bb.u(335, 9))
	a.Ice = uint8(bb.u(344, 2))
}

// decodeSea reads the currents, waves, swell and sea state, which have the
// same layout in both versions.
func (a *MetHydro) decodeSea(bb *bitbuf, at int) {
	a.Currents[0] = Current{Speed: uint8(bb.u(at, 8)), Dir: uint16(bb.u(at+8, 9))}
	for i := 1; i < 3; i++ {
		c := at + 17 + 22*(i-1)
		a.Currents[i] = Current{
			Speed: uint8(bb.u(c, 8)),
			Dir:   uint16(bb.u(c+8, 9)),
			Depth: uint8(bb.u(c+17, 5)),
		}
	}
	at += 61
	a.WaveHeight = uint8(bb.u(at, 8))
	a.WavePeriod = uint8(bb.u(at+8, 6))
	a.WaveDir = uint16(bb.u(at+14, 9))
	a.SwellHeight = uint8(bb.u(at+23, 8))
	a.SwellPeriod = uint8(bb.u(at+31, 6))
	a.SwellDir = uint16(bb.u(at+37, 9))
	a.SeaState = uint8(bb.u(at+46, 4))
}

// Position returns the station's latitude and longitude in degrees, and
// false if they are not available.
func (a *MetHydro) Position() (lat, lon float64, ok bool) {
	lat, ok1 := a.Lat.Degrees()
	lon, ok2 := a.Lon.Degrees()
	return lat, lon, ok1 && ok2
}

// WindSpeedKnots returns the average wind speed in knots, and false if not
// available. IMO289 reports 126 for 126 knots or more.
func (a *MetHydro) WindSpeedKnots() (int, bool) { return windKnots(a.WindSpeed, a.FI) }

// WindGustKnots returns the wind gust speed in knots, and false if not
// available.
func (a *MetHydro) WindGustKnots() (int, bool) { return windKnots(a.WindGust, a.FI) }

func windKnots(v, fi uint8) (int, bool) {
	if fi == 11 {
		return int(v), v <= 120
	}
	return int(v), v <= 126
}

// WindDirection returns the wind direction in degrees, and false if not
// available.
func (a *MetHydro) WindDirection() (int, bool) { return degrees(a.WindDir) }

// WindGustDirection returns the wind gust direction in degrees, and false
// if not available.
func (a *MetHydro) WindGustDirection() (int, bool) { return degrees(a.WindGustDir) }

func degrees(v uint16) (int, bool) { return int(v), v < 360 }

// AirTemperature returns the dry bulb air temperature in °C, and false if
// not available.
func (a *MetHydro) AirTemperature() (float64, bool) {
	if a.FI == 11 {
		return tenths(int(a.AirTemp)-600, a.AirTemp <= 1200)
	}
	return tenths(int(a.AirTemp), a.AirTemp >= -600 && a.AirTemp <= 600)
}

// RelativeHumidity returns the relative humidity in percent, and false if
// not available.
func (a *MetHydro) RelativeHumidity() (int, bool) { return int(a.Humidity), a.Humidity <= 100 }

// DewPointTemperature returns the dew point in °C, and false if not
// available.
func (a *MetHydro) DewPointTemperature() (float64, bool) {
	if a.FI == 11 {
		return tenths(int(a.DewPoint)-200, a.DewPoint <= 700)
	}
	return tenths(int(a.DewPoint), a.DewPoint >= -200 && a.DewPoint <= 500)
}

// AirPressure returns the air pressure at sea level in hPa, and false if
// not available. IMO289 reports 799 for 799 hPa or less and 1201 for 1201
// hPa or more.
func (a *MetHydro) AirPressure() (int, bool) {
	if a.FI == 11 {
		return int(a.Pressure) + 800, a.Pressure <= 400
	}
	return int(a.Pressure) + 799, a.Pressure <= 402
}

// PressureTendency returns the air pressure tendency (0 steady, 1
// decreasing, 2 increasing), and false if not available.
func (a *MetHydro) PressureTendency() (int, bool) { return int(a.PressureTend), a.PressureTend < 3 }

// VisibilityNM returns the horizontal visibility in nautical miles, and
// false if not available. For IMO289 reports, VisGreater tells that the
// visibility is greater than the value returned.
func (a *MetHydro) VisibilityNM() (float64, bool) {
	if a.FI == 11 {
		return tenths(int(a.Visibility), a.Visibility != 255)
	}
	return tenths(int(a.Visibility), a.Visibility != 127)
}

// WaterLevelMetres returns the water level in metres relative to the
// chart datum, and false if not available.
func (a *MetHydro) WaterLevelMetres() (float64, bool) {
	if a.FI == 11 {
		return tenths(int(a.WaterLevel)-100, a.WaterLevel <= 400)
	}
	return float64(int(a.WaterLevel)-1000) / 100, a.WaterLevel <= 4000
}

// WaterLevelTrend returns the water level trend (0 steady, 1 decreasing,
// 2 increasing), and false if not available.
func (a *MetHydro) WaterLevelTrend() (int, bool) { return int(a.LevelTrend), a.LevelTrend < 3 }

// CurrentSpeed returns the speed of current i (0 surface, 1 and 2 at
// depth) in knots, and false if not available.
func (a *MetHydro) CurrentSpeed(i int) (float64, bool) {
	v := a.Currents[i].Speed
	return tenths(int(v), v <= 250)
}

// CurrentDirection returns the direction of current i in degrees, and
// false if not available.
func (a *MetHydro) CurrentDirection(i int) (int, bool) { return degrees(a.Currents[i].Dir) }

// CurrentDepth returns the measuring depth of current i (1 or 2) in
// metres, and false if not available or for the surface current.
func (a *MetHydro) CurrentDepth(i int) (int, bool) {
	d := a.Currents[i].Depth
	return int(d), i > 0 && d <= 30
}

// WaveHeightMetres returns the significant wave height in metres, and
// false if not available.
func (a *MetHydro) WaveHeightMetres() (float64, bool) {
	return tenths(int(a.WaveHeight), a.WaveHeight <= 250)
}

// WavePeriodSeconds returns the wave period, and false if not available.
func (a *MetHydro) WavePeriodSeconds() (int, bool) { return int(a.WavePeriod), a.WavePeriod <= 60 }

// WaveDirection returns the wave direction in degrees, and false if not
// available.
func (a *MetHydro) WaveDirection() (int, bool) { return degrees(a.WaveDir) }

// SwellHeightMetres returns the swell height in metres, and false if not
// available.
func (a *MetHydro) SwellHeightMetres() (float64, bool) {
	return tenths(int(a.SwellHeight), a.SwellHeight <= 250)
}

// SwellPeriodSeconds returns the swell period, and false if not available.
func (a *MetHydro) SwellPeriodSeconds() (int, bool) { return int(a.SwellPeriod), a.SwellPeriod <= 60 }

// SwellDirection returns the swell direction in degrees, and false if not
// available.
func (a *MetHydro) SwellDirection() (int, bool) { return degrees(a.SwellDir) }

// Beaufort returns the sea state on the Beaufort scale, and false if not
// available.
func (a *MetHydro) Beaufort() (int, bool) { return int(a.SeaState), a.SeaState <= 12 }

// WaterTemperature returns the water temperature in °C, and false if not
// available.
func (a *MetHydro) WaterTemperature() (float64, bool) {
	if a.FI == 11 {
		return tenths(int(a.WaterTemp)-100, a.WaterTemp <= 600)
	}
	return tenths(int(a.WaterTemp), a.WaterTemp >= -100 && a.WaterTemp <= 500)
}

// Precipitation returns the precipitation type (WMO 306 code table 4.201:
// 1 rain, 2 thunderstorm, 3 freezing rain, 4 mixed/ice, 5 snow), and false
// if not available.
func (a *MetHydro) Precipitation() (int, bool) { return int(a.PrecipType), a.PrecipType != 7 }

// SalinityPermil returns the salinity in ‰, and false if not available.
func (a *MetHydro) SalinityPermil() (float64, bool) {
	return tenths(int(a.Salinity), a.Salinity <= 500)
}

// IcePresent reports whether there is ice, and false as its second result
// if that is not available.
func (a *MetHydro) IcePresent() (ice, ok bool) { return a.Ice == 1, a.Ice < 2 }

func tenths(v int, ok bool) (float64, bool) {
	if !ok {
		return 0, false
	}
	return float64(v) / 10, true
}

var (
	trendText      = [4]string{"steady", "increasing", "decreasing", "N/A"}
	precipTypeText = [8]string{"reserved", "rain", "thunderstorm", "freezing rain", "mixed/ice", "snow", "reserved", "N/A"}
	iceText        = [4]string{"no", "yes", "reserved", "N/A"}
)

func (a *MetHydro) appendJSON(b []byte, opt JSONOptions) []byte {
	b = appendLonLat(b, "lat", "lon", int64(a.Lat), int64(a.Lon), 60000, 4, opt)
	if a.FI == 31 {
		b = jBool(b, "accuracy", a.Accuracy)
	}
	b = appendKey(b, "timestamp")
	b = append2(append(b, '"'), uint(a.Day))
	b = append2(append(b, 'T'), uint(a.Hour))
	b = append2(append(b, ':'), uint(a.Minute))
	b = append(b, 'Z', '"')
	b = jUint(b, "wspeed", uint64(a.WindSpeed))
	b = jUint(b, "wgust", uint64(a.WindGust))
	b = jUint(b, "wdir", uint64(a.WindDir))
	b = jUint(b, "wgustdir", uint64(a.WindGustDir))
	b = jUint(b, "humidity", uint64(a.Humidity))
	if a.FI == 11 {
		return a.appendJSON236(b, opt)
	}
	if opt.Scaled {
		b = jFloat(b, "airtemp", float64(a.AirTemp)/10, 1)
		b = jFloat(b, "dewpoint", float64(a.DewPoint)/10, 1)
		b = jUint(b, "pressure", uint64(a.Pressure)+799)
		b = jStr(b, "pressuretend", trendText[a.PressureTend&3])
		b = jBool(b, "visgreater", a.VisGreater)
		b = jFloat(b, "visibility", float64(a.Visibility)/10, 1)
		// gpsd 3.22 subtracts the offset in unsigned arithmetic, so a
		// level below the offset wraps around.
		b = jFloat(b, "waterlevel", float64(uint32(a.WaterLevel)-1000)/100, 1)
		b = jStr(b, "leveltrend", trendText[a.LevelTrend&3])
		b = a.appendSea(b, opt)
		b = jFloat(b, "watertemp", float64(a.WaterTemp)/10, 1)
		b = jStr(b, "preciptype", precipTypeText[a.PrecipType&7])
		b = jFloat(b, "salinity", float64(a.Salinity)/10, 1)
		return jStr(b, "ice", iceText[a.Ice&3])
	}
	b = jInt(b, "airtemp", int64(a.AirTemp))
	b = jInt(b, "dewpoint", int64(a.DewPoint))
	b = jUint(b, "pressure", uint64(a.Pressure))
	b = jUint(b, "pressuretend", uint64(a.PressureTend))
	b = jBool(b, "visgreater", a.VisGreater)
	b = jUint(b, "visibility", uint64(a.Visibility))
	b = jInt(b, "waterlevel", int64(a.WaterLevel))
	b = jUint(b, "leveltrend", uint64(a.LevelTrend))
	b = a.appendSea(b, opt)
	b = jInt(b, "watertemp", int64(a.WaterTemp))
	b = jUint(b, "preciptype", uint64(a.PrecipType))
	b = jUint(b, "salinity", uint64(a.Salinity))
	return jUint(b, "ice", uint64(a.Ice))
}

func (a *MetHydro) appendJSON236(b []byte, opt JSONOptions) []byte {
	if opt.Scaled {
		b = jFloat(b, "airtemp", float64(int(a.AirTemp)-600)/10, 1)
		b = jFloat(b, "dewpoint", float64(int(a.DewPoint)-200)/10, 1)
		b = jUint(b, "pressure", uint64(a.Pressure)+800)
		b = jStr(b, "pressuretend", trendText[a.PressureTend&3])
		b = jFloat(b, "visibility", float64(a.Visibility)/10, 1)
		b = jFloat(b, "waterlevel", float64(int(a.WaterLevel)-100)/10, 1)
		b = jStr(b, "leveltrend", trendText[a.LevelTrend&3])
		b = a.appendSea(b, opt)
		b = jFloat(b, "watertemp", float64(int(a.WaterTemp)-100)/10, 1)
	} else {
		b = jUint(b, "airtemp", uint64(a.AirTemp))
		b = jUint(b, "dewpoint", uint64(a.DewPoint))
		b = jUint(b, "pressure", uint64(a.Pressure))
		b = jUint(b, "pressuretend", uint64(a.PressureTend))
		b = jUint(b, "visibility", uint64(a.Visibility))
		b = jInt(b, "waterlevel", int64(a.WaterLevel))
		b = jUint(b, "leveltrend", uint64(a.LevelTrend))
		b = a.appendSea(b, opt)
		b = jUint(b, "watertemp", uint64(a.WaterTemp))
	}
	b = jUint(b, "preciptype", uint64(a.PrecipType))
	b = jStr(b, "preciptype_text", precipTypeText[a.PrecipType&7])
	if opt.Scaled {
		b = jFloat(b, "salinity", float64(a.Salinity)/10, 1)
	} else {
		b = jUint(b, "salinity", uint64(a.Salinity))
	}
	b = jUint(b, "ice", uint64(a.Ice))
	return jStr(b, "ice_text", iceText[a.Ice&3])
}

// appendSea writes the currents, waves, swell and sea state, from "cspeed"
// to "seastate"; the speeds and heights are scaled by 1/10.
func (a *MetHydro) appendSea(b []byte, opt JSONOptions) []byte {
	tenth := func(b []byte, key string, v uint8) []byte {
		if opt.Scaled {
			return jFloat(b, key, float64(v)/10, 1)
		}
		return jUint(b, key, uint64(v))
	}
	c := &a.Currents
	b = tenth(b, "cspeed", c[0].Speed)
	b = jUint(b, "cdir", uint64(c[0].Dir))
	b = tenth(b, "cspeed2", c[1].Speed)
	b = jUint(b, "cdir2", uint64(c[1].Dir))
	b = jUint(b, "cdepth2", uint64(c[1].Depth))
	b = tenth(b, "cspeed3", c[2].Speed)
	b = jUint(b, "cdir3", uint64(c[2].Dir))
	b = jUint(b, "cdepth3", uint64(c[2].Depth))
	b = tenth(b, "waveheight", a.WaveHeight)
	b = jUint(b, "waveperiod", uint64(a.WavePeriod))
	b = jUint(b, "wavedir", uint64(a.WaveDir))
	b = tenth(b, "swellheight", a.SwellHeight)
	b = jUint(b, "swellperiod", uint64(a.SwellPeriod))
	b = jUint(b, "swelldir", uint64(a.SwellDir))
	return jUint(b, "seastate", uint64(a.SeaState))
}
