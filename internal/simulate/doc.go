// Package simulate generates realistic AIS traffic: thousands of vessels
// on plausible sea routes over days, at AIS reporting rates, with static
// data. It is deterministic for a seed, so it serves tests, benchmarks,
// load tests and demos alike.
package simulate
