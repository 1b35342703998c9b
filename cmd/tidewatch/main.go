// Command tidewatch is the maritime domain awareness platform: it ingests
// AIS, decodes it, and (as the project grows) fuses, stores, detects and
// serves the common maritime picture.
//
// Usage:
//
//	tidewatch decode [--unscaled] [--stats] [FILE...]
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
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `tidewatch - a maritime domain awareness platform

Usage:
  tidewatch <command> [arguments]

Commands:
  decode    decode AIS NMEA (files, .gz or stdin) to gpsd-compatible JSON
  version   print the version

Run "tidewatch <command> -h" for a command's options.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
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
	switch cmd, rest := args[0], args[1:]; cmd {
	case "decode":
		err = runDecode(ctx, rest, stdin, stdout, stderr)
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
