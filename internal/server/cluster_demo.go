package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/store"
)

// The demo in cluster mode (issue 14): `tidewatch demo` with the cluster
// flags runs a member of a cluster whose picture is the demo's. One
// member generates the simulated traffic and the radar story and
// publishes them to the ingest log; every member, that one included,
// applies them from the log, so all show the same ships, contacts and
// events. The generator is the member whose cluster listen address
// comes first, as text, among its own and its peers' (DemoGenerator):
// every member decides alike from its own flags, with nothing agreed at
// run time. A generator that restarts on its data directory continues
// the same simulation (DemoState: its start, seed and fleet) from the
// moment it is back: what it published before is in the log, and the
// reports of the time it was down are not made up afterwards (a
// receiver that was off).

// DemoGenerator reports whether a demo node of cluster configuration c
// generates the simulated traffic: alone (not in cluster mode) always;
// in cluster mode when its Listen address sorts before each of its
// Peers. A member on an external NATS (no Listen) never does.
func DemoGenerator(c Cluster) bool {
	if !c.Enabled() {
		return true
	}
	if c.Listen == "" {
		return false
	}
	return !slices.ContainsFunc(c.Peers, func(p string) bool { return p < c.Listen })
}

// DemoAdminTokenName is the name of the demo's admin session token on a
// node of cluster configuration c: base alone, and in cluster mode base
// and the member's name (or its listen address), since the tokens file
// is replicated and each member's session has a token of its own.
func DemoAdminTokenName(base string, c Cluster) string {
	if !c.Enabled() {
		return base
	}
	id := c.Name
	if id == "" {
		id = c.Listen
	}
	id = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			return r
		}
		return '-'
	}, id)
	return strings.TrimRight((base + "-" + id)[:min(64, len(base)+1+len(id))], "-")
}

// DemoState is what a cluster demo's generator keeps in its data
// directory (<data>/cluster/demo.json, demoStateName) to continue the
// same simulation when it restarts.
type DemoState struct {
	Version int       `json:"version"`
	Start   time.Time `json:"start"`
	Seed    uint64    `json:"seed"`
	Vessels int       `json:"vessels"`
	History string    `json:"history"`
}

const (
	demoStateName    = "demo.json"
	demoStateVersion = 1
)

// ErrDemoState: the data directory holds a cluster demo of another
// seed, fleet or history, or a demo state this build does not read.
var ErrDemoState = errors.New("server: cluster demo state")

// OpenDemoState returns the demo state kept in the data directory data
// and true, or, when there is none, keeps want there (its Version set)
// and returns it and false. A kept state of another seed, fleet size or
// history is ErrDemoState: the restarted generator would publish
// another simulation into the same log.
func OpenDemoState(data string, want DemoState) (DemoState, bool, error) {
	want.Version = demoStateVersion
	path := filepath.Join(data, "cluster", demoStateName)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		var st DemoState
		if err := json.Unmarshal(b, &st); err != nil || st.Version != demoStateVersion || st.Start.IsZero() {
			return DemoState{}, false, fmt.Errorf("%w: %s: not a demo state of version %d", ErrDemoState, path, demoStateVersion)
		}
		if st.Seed != want.Seed || st.Vessels != want.Vessels || st.History != want.History {
			return DemoState{}, false, fmt.Errorf("%w: %s holds the demo of --seed %d --vessels %d --history %s: give those, or another --data",
				ErrDemoState, data, st.Seed, st.Vessels, st.History)
		}
		return st, true, nil
	case !errors.Is(err, fs.ErrNotExist):
		return DemoState{}, false, fmt.Errorf("%w: %w", ErrDemoState, err)
	}
	// Make data a data directory first (the store refuses one holding
	// other files), as OpenTokens does.
	if db, err := store.Open(data, store.Options{}); err == nil {
		if err := db.Close(); err != nil {
			return DemoState{}, false, err
		}
	} else if !errors.Is(err, store.ErrLocked) {
		return DemoState{}, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return DemoState{}, false, fmt.Errorf("%w: %w", ErrDemoState, err)
	}
	b, err = json.Marshal(want)
	if err != nil {
		return DemoState{}, false, err
	}
	if err := record.WriteFileAtomic(record.OSFS{}, path, append(b, '\n'), 0o644); err != nil {
		return DemoState{}, false, fmt.Errorf("%w: %w", ErrDemoState, err)
	}
	return want, false, nil
}
