// Package server wires a running node together: live inputs (NMEA over
// TCP and UDP, file replay), the bounded pipeline from inputs through the
// picture into the store, the HTTP API and the web map, and graceful
// shutdown (inputs first, then the pipeline drains, then the store closes).
// While the store's writes fail (a full disk), the pipeline retries its
// commits with back-off and logs once, at most once a minute after, and
// when they resume; /readyz answers 503 with the store's reason and the
// metric tidewatch_store_write_failing is 1.
package server
