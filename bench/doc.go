// Package bench measures tidewatch against its peers, side by side in one
// run. It is a separate module so that the peers it measures against (the
// go-ais codec) are never linked into the tidewatch binary. See run.sh.
package bench
