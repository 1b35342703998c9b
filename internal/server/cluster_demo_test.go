package server

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func TestDemoGenerator(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Cluster
		want bool
	}{
		{"alone", Cluster{}, true},
		{"first", Cluster{Listen: "127.0.0.1:6221", Peers: []string{"127.0.0.1:6222", "127.0.0.1:6223"}}, true},
		{"second", Cluster{Listen: "127.0.0.1:6222", Peers: []string{"127.0.0.1:6221", "127.0.0.1:6223"}}, false},
		{"third, peers in any order", Cluster{Listen: "127.0.0.1:6223", Peers: []string{"127.0.0.1:6222", "127.0.0.1:6221"}}, false},
		{"as text", Cluster{Listen: "127.0.0.1:10000", Peers: []string{"127.0.0.1:9000"}}, true},
		{"no peers", Cluster{Listen: "127.0.0.1:6221"}, true},
		{"external NATS", Cluster{NATSURL: "nats://127.0.0.1:4222"}, false},
	} {
		if got := DemoGenerator(tc.c); got != tc.want {
			t.Errorf("%s: DemoGenerator(%+v) = %v; want %v", tc.name, tc.c, got, tc.want)
		}
	}
}

func TestDemoAdminTokenName(t *testing.T) {
	long := "n0123456789012345678901234567890123456789012345678901234567890123456789"
	for _, tc := range []struct {
		c    Cluster
		want string
	}{
		{Cluster{}, "demo-admin-session"},
		{Cluster{Listen: "127.0.0.1:6221", Name: "a"}, "demo-admin-session-a"},
		{Cluster{Listen: "127.0.0.1:6221"}, "demo-admin-session-127.0.0.1-6221"},
		{Cluster{Listen: "[::1]:6221"}, "demo-admin-session----1--6221"},
		{Cluster{Listen: "127.0.0.1:6221", Name: long}, ("demo-admin-session-" + long)[:64]},
	} {
		got := DemoAdminTokenName("demo-admin-session", tc.c)
		if got != tc.want {
			t.Errorf("%+v: %q; want %q", tc.c, got, tc.want)
		}
		// A name the tokens file takes.
		tokens, err := OpenTokens(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tokens.CreateExpiring(got, "admin", time.Now(), time.Time{}); err != nil {
			t.Errorf("%q: %v", got, err)
		}
	}
}

// TestOpenDemoState: a new data directory keeps the state given; opened
// again it returns the state kept, even with another start; another
// seed, fleet or history, or a damaged file, is ErrDemoState.
func TestOpenDemoState(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	want := DemoState{Start: t0, Seed: 1, Vessels: 2000, History: "24h"}
	st, resumed, err := OpenDemoState(data, want)
	if err != nil || resumed || !st.Start.Equal(t0) {
		t.Fatalf("new: %+v, %v, %v; want the state given, not resumed", st, resumed, err)
	}
	again := want
	again.Start = t0.Add(time.Hour)
	st, resumed, err = OpenDemoState(data, again)
	if err != nil || !resumed || !st.Start.Equal(t0) || st.Seed != 1 || st.Vessels != 2000 {
		t.Fatalf("again: %+v, %v, %v; want the state kept (start %v), resumed", st, resumed, err, t0)
	}
	for _, other := range []DemoState{
		{Start: t0, Seed: 2, Vessels: 2000, History: "24h"},
		{Start: t0, Seed: 1, Vessels: 300, History: "24h"},
		{Start: t0, Seed: 1, Vessels: 2000, History: "8h"},
	} {
		if _, _, err := OpenDemoState(data, other); !errors.Is(err, ErrDemoState) {
			t.Errorf("%+v on a demo of %+v: %v; want ErrDemoState", other, want, err)
		}
	}
	if err := os.WriteFile(filepath.Join(data, "cluster", demoStateName), []byte(`{"version": 9}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenDemoState(data, want); !errors.Is(err, ErrDemoState) {
		t.Errorf("a state of version 9: %v; want ErrDemoState", err)
	}
	// The data directory is one the node opens.
	if _, err := OpenTokens(data); err != nil {
		t.Errorf("the data directory after OpenDemoState: %v", err)
	}
}

// TestSimulatedTrafficResume: with Resume, the traffic is the same
// simulation, without the reports dated before Resume.
func TestSimulatedTrafficResume(t *testing.T) {
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	run := func(resume time.Time) []vessel.Observation {
		now := start.Add(10 * time.Minute)
		var got []vessel.Observation
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s := &SimulatedTraffic{Vessels: 50, Seed: 1, Start: start, Backfill: 20 * time.Minute, Resume: resume,
			Submit: func(b []vessel.Observation) bool { got = append(got, b...); return true },
			Now:    func() time.Time { return now },
			Sleep: func(ctx context.Context, d time.Duration) error {
				cancel() // up to the clock's now only
				return ctx.Err()
			}}
		if err := s.Run(ctx); err != nil {
			t.Fatal(err)
		}
		return got
	}
	all := run(time.Time{})
	resume := start.Add(5 * time.Minute)
	got := run(resume)
	var want []vessel.Observation
	for _, o := range all {
		if o.Time() >= vessel.TimeOf(resume) {
			want = append(want, o)
		}
	}
	if len(want) < 50 || len(want) == len(all) {
		t.Fatalf("%d reports of %d after the resume; want some before and after", len(want), len(all))
	}
	if !slices.Equal(got, want) {
		t.Errorf("resumed: %d reports; want the %d of the whole run dated from %v", len(got), len(want), resume)
	}
}

// BenchmarkSimulatedTrafficResume: what a restarted demo generator
// spends on the day it skips (resume: the whole simulation run up to
// now, nothing delivered) against a first start delivering it (deliver:
// the same run, every report handed to a Submit that keeps nothing);
// 2,004 vessels of the demo, 24 hours of history.
func BenchmarkSimulatedTrafficResume(b *testing.B) {
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	demo := simulate.NewDemo(2000, vessel.TimeOf(start))
	for _, bc := range []struct {
		name   string
		resume time.Time
	}{{"deliver", time.Time{}}, {"resume", start}} {
		b.Run(bc.name, func(b *testing.B) {
			reports, cpu0 := 0, cpuNanos()
			for b.Loop() {
				ctx, cancel := context.WithCancel(context.Background())
				s := &SimulatedTraffic{Seed: 1, Config: &demo.Config, Start: start, History: 24 * time.Hour, Resume: bc.resume,
					Submit: func(o []vessel.Observation) bool { reports += len(o); return true },
					Now:    func() time.Time { return start },
					Sleep: func(ctx context.Context, d time.Duration) error {
						cancel() // at start: the history is done
						return ctx.Err()
					}}
				if err := s.Run(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(reports)/float64(b.N), "reports/op")
			b.ReportMetric(float64(cpuNanos()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
