// Package server wires a running node together: live inputs (NMEA over
// TCP and UDP, file replay), the bounded pipeline from inputs through the
// picture into the store, the HTTP API and the web map, and graceful
// shutdown (inputs first, then the pipeline drains, then the store closes).
package server
