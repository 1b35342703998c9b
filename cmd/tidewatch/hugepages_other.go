//go:build !linux

package main

import "github.com/tidewatch/tidewatch/internal/vessel"

// adviseHugePages does nothing but on Linux (hugepages_linux.go).
func adviseHugePages([]vessel.Position) {}
