// Command tidewatch is the maritime domain awareness platform: it ingests
// AIS, decodes it, and (as the project grows) fuses, stores, detects and
// serves the common maritime picture.
//
// Usage:
//
//	tidewatch decode [--unscaled] [--stats] [FILE...]
//	tidewatch asterix [--site SAC/SIC=LAT,LON[,H]]... [--stats] FILE...
//	tidewatch detections [--site NAME=LAT,LON]... [--asterix-site SAC/SIC=LAT,LON[,H]]... [--date D] [--time T] FILE...
//	tidewatch contacts --data DIR [--from T] [--to T] [--sensor radar|satellite] [--unassociated] [--dark] [detections options] FILE...
//	tidewatch demo [--listen 127.0.0.1:8080]
//	tidewatch serve --data DIR [--config FILE] [--tcp-listen ADDR] [--tcp-connect HOST:PORT] [--udp-listen ADDR] [--replay FILE --speed N]
//	tidewatch token create --data DIR --role read|admin
//	tidewatch node init|show --data DIR [--name NAME]
//	tidewatch partner add|list|revoke|remove --data DIR ...
//	tidewatch policy check FILE
//	tidewatch ingest --data DIR FILE...
//	tidewatch track --data DIR MMSI [--from T] [--to T] [--format F]
//	tidewatch near --data DIR --lat LAT --lon LON [--radius 10km] [--from T] [--to T]
//	tidewatch area --data DIR --polygon FILE.geojson [--from T] [--to T]
//	tidewatch vessels --data DIR [--at T] [filters]
//	tidewatch store check|repair --data DIR
//	tidewatch events [--zones FILE.geojson] [--preset gfw|skylight] (FILE... | --data DIR --from T --to T)
//	tidewatch simulate [--vessels N] [--duration 24h] [--format nmea|csv|radar|radar-ais|sar]
//	tidewatch version
//
// Run "tidewatch help" or "tidewatch COMMAND -h" for details.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `tidewatch - a maritime domain awareness platform

Usage:
  tidewatch <command> [arguments]

Commands:
  decode    decode AIS NMEA (files, .gz or stdin) to gpsd-compatible JSON
  asterix   decode ASTERIX radar data (CAT 048/062/034, pcap or raw) to JSON, record by record
  detections  print the detections of radar (NMEA, ASTERIX) and satellite (SAR, VIIRS, GeoJSON) files as JSON
  contacts  associate radar and satellite detections with the stored AIS picture; dark targets (--dark)
  demo      start a node on simulated traffic and open the web map (http://127.0.0.1:8080)
  serve     run a node: live inputs, the picture, the store, the HTTP API and the web map
  token     create, list and revoke API tokens
  node      create and show this node's identity (key and certificate) for partner links
  partner   add, list, revoke and remove partner nodes (pinned certificates)
  policy    check a sharing policy file and show what it shares with whom
  ingest    fuse AIS (NMEA or decoded CSV) into the vessel picture and store its history
  track     one vessel's track in a time window
  near      vessels that passed within a radius of a position, with closest approach
  area      vessels inside a polygon during a time window
  vessels   the picture at a moment; search by name, call sign, IMO or MMSI
  store     check the data directory's files (store check) or move damaged ones aside (store repair)
  export    write the positions history as GeoParquet, GeoJSON, CSV or KML
  basemap   build an offline detailed basemap (PMTiles vector tiles) for the web map
  events    detect gaps, encounters, loitering, zone entry/exit, teleports, identity conflicts, port visits
  simulate  generate realistic AIS traffic (NMEA or CSV), radar and SAR scenarios, messy feeds with ground truth
  version   print the version

Query commands print JSON Lines (one object per vessel or point, always with
"mmsi"), or --format csv, geojson or kml. The data directory is --data, or
$TIDEWATCH_DATA, or ./tidewatch-data.

Run "tidewatch <command> -h" for a command's options.
`

func main() {
	// SIGTERM (a service manager, a container's stop) shuts a node down
	// as Ctrl-C does: drained, detection flushed, the store closed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks a command-line mistake: exit status 2.
var errUsage = errors.New("usage")

// run executes one command and returns the process exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	now := time.Now()
	switch cmd, rest := args[0], args[1:]; cmd {
	case "decode":
		err = runDecode(ctx, rest, stdin, stdout, stderr)
	case "asterix":
		err = runAsterix(ctx, rest, stdin, stdout, stderr)
	case "detections":
		err = runDetections(ctx, rest, stdin, stdout, stderr)
	case "contacts":
		err = runContacts(ctx, rest, stdin, stdout, stderr, now)
	case "ingest":
		err = runIngest(ctx, rest, stdin, stdout, stderr)
	case "serve":
		err = runServe(ctx, rest, stdout, stderr)
	case "demo":
		err = runDemo(ctx, rest, stdout, stderr)
	case "token":
		err = runToken(ctx, rest, stdout, stderr, now)
	case "node":
		err = runNode(ctx, rest, stdout, stderr, now)
	case "partner":
		err = runPartner(ctx, rest, stdout, stderr, now)
	case "policy":
		err = runPolicy(ctx, rest, stdout, stderr)
	case "simulate":
		err = runSimulate(ctx, rest, stdout, stderr)
	case "events":
		err = runEvents(ctx, rest, stdin, stdout, stderr)
	case "track":
		err = runTrack(ctx, rest, stdout, stderr, now)
	case "near":
		err = runNear(ctx, rest, stdout, stderr, now)
	case "area":
		err = runArea(ctx, rest, stdout, stderr, now)
	case "vessels":
		err = runVessels(ctx, rest, stdout, stderr, now)
	case "store":
		err = runStore(ctx, rest, stdout, stderr, now)
	case "export":
		err = runExport(ctx, rest, stdout, stderr, now)
	case "basemap":
		err = runBasemap(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "tidewatch %s\n", version)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "tidewatch: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, context.Canceled):
		return 130
	}
	fmt.Fprintf(stderr, "tidewatch: %v\n", err)
	return 1
}
