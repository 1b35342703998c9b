// Package fusion keeps the live picture: one state per vessel, fused from
// every report heard about it. It decides what a report means for the
// picture — new position, late position to insert, duplicate heard by
// another receiver, static data to merge — and which data-quality flags it
// earns. It owns no goroutines and no I/O; callers persist what it returns.
package fusion
