module github.com/tidewatch/tidewatch/bench

go 1.26

require (
	github.com/BertoldVdb/go-ais v0.4.0
	github.com/tidewatch/tidewatch v0.0.0
)

require github.com/adrianmo/go-nmea v1.3.0 // indirect

replace github.com/tidewatch/tidewatch => ../
