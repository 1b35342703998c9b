// Package event detects the events a fusion centre acts on — AIS gaps,
// encounters, loitering, zone entry and exit, teleports, identity
// conflicts, port visits — from a time-ordered stream of positions. One
// code path serves live streams and history: detectors are synchronous,
// take time as an input, and never read a clock.
package event
