// Package store keeps the history of the picture on disk, embedded in the
// process: every stored position, static report and provenance record
// under one data directory, and the queries over it (track, near, area, the
// picture at a moment).
package store
