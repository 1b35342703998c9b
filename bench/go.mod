module github.com/tidewatch/tidewatch/bench

go 1.26.0

require (
	github.com/BertoldVdb/go-ais v0.4.0
	github.com/jackc/pgx/v5 v5.12.0
	github.com/tidewatch/tidewatch v0.0.0
)

require (
	github.com/adrianmo/go-nmea v1.3.0 // indirect
	github.com/gofrs/flock v0.13.2 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)

replace github.com/tidewatch/tidewatch => ../
