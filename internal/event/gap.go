package event

import (
	"math"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// coverage is the coarse activity grid behind the gap detector's coverage
// check: for each cell (GapParams.CoverageCell degrees) the time buckets,
// of a twelfth of the minimum gap each, in which any vessel was heard
// there, as a bit set over the cell's latest 64 buckets.
type coverage struct {
	cell   float64
	bucket int64 // ms
	cells  map[int64]*covCell
}

type covCell struct {
	last int64 // newest bucket heard
	bits uint64
}

func newCoverage(p GapParams) coverage {
	b := max(p.MinDuration.ms()/12, minute)
	return coverage{cell: p.CoverageCell, bucket: b, cells: make(map[int64]*covCell)}
}

func (c *coverage) key(lat, lon float64) int64 {
	return cellKey(int(math.Floor(lat/c.cell)), int(math.Floor(geo.NormalizeLon(lon)/c.cell)))
}

// add records that a vessel was heard at p. The track, when given, caches
// its cell to save the lookup while it stays in it.
func (c *coverage) add(p *vessel.Position, tr *track) (*covCell, int64) {
	if c.cell <= 0 {
		return nil, 0
	}
	k := c.key(p.Lat, p.Lon)
	var cc *covCell
	if tr != nil && tr.covCell != nil && tr.covKey == k {
		cc = tr.covCell
	} else if cc = c.cells[k]; cc == nil {
		cc = &covCell{last: math.MinInt64}
		c.cells[k] = cc
	}
	b := int64(p.Time) / c.bucket
	switch {
	case b > cc.last:
		if cc.last == math.MinInt64 || b-cc.last >= 64 {
			cc.bits = 0
		} else {
			cc.bits <<= uint(b - cc.last)
		}
		cc.last = b
		cc.bits |= 1
	case cc.last-b < 64:
		cc.bits |= 1 << uint(cc.last-b)
	}
	return cc, k
}

// fraction returns the fraction of the buckets strictly between t0 and t1
// in which some vessel was heard within radius of p.
func (c *coverage) fraction(p geo.Point, radius float64, t0, t1 vessel.Time) float64 {
	b0, b1 := int64(t0)/c.bucket+1, int64(t1)/c.bucket-1
	if b1 < b0 {
		b1 = b0
	}
	if b1-b0 >= 64 {
		b0 = b1 - 63
	}
	var heard uint64 // bit i: bucket b0+i heard
	r := geo.RectAround(p, radius)
	r0, r1 := int(math.Floor(r.MinLat/c.cell)), int(math.Floor(r.MaxLat/c.cell))
	c0, c1 := int(math.Floor(r.MinLon/c.cell)), int(math.Floor(r.MaxLon/c.cell))
	ncol := int(math.Round(360 / c.cell))
	if c1 < c0 {
		c1 += ncol
	}
	if c1-c0 >= ncol {
		c0, c1 = -ncol/2, ncol/2-1
	}
	for row := r0; row <= r1; row++ {
		for cc := c0; cc <= c1; cc++ {
			col := cc
			if col >= ncol/2 {
				col -= ncol
			}
			cell := c.cells[cellKey(row, col)]
			if cell == nil {
				continue
			}
			for b := b0; b <= b1; b++ {
				if d := cell.last - b; d >= 0 && d < 64 && cell.bits&(1<<uint(d)) != 0 {
					heard |= 1 << uint(b-b0)
				}
			}
		}
	}
	n := 0
	for ; heard != 0; heard &= heard - 1 {
		n++
	}
	return float64(n) / float64(b1-b0+1)
}

// gapOpen runs when a vessel has been silent for the minimum gap: the gap
// opens if others were heard around its last position meanwhile.
func (e *Engine) gapOpen(tr *track) {
	if tr.openGap != nil {
		return
	}
	min := vessel.Time(e.p.Gap.MinDuration.ms())
	f := e.cov.fraction(posPoint(&tr.last), e.p.Gap.CoverageRadius, tr.last.Time, tr.last.Time+min)
	if e.p.Gap.CoverageMinFraction > 0 && f < e.p.Gap.CoverageMinFraction {
		return
	}
	ev := e.newEvent(Gap, tr.mmsi, 0, -1, tr.last.Time, tr.last)
	ev.Measures["coverage_fraction"] = f
	e.evidence(ev, tr.last)
	tr.openGap = ev
	e.emit(ev)
}

// gapOnReport closes the vessel's open gap with report p.
func (e *Engine) gapOnReport(tr *track, p *vessel.Position) {
	ev := tr.openGap
	if ev == nil {
		return
	}
	tr.openGap = nil
	e.closeGap(ev, &tr.last, p)
	e.emit(ev)
	tr.gaps = append(tr.gaps, ev)
	if len(tr.gaps) > 4 {
		tr.gaps = tr.gaps[1:]
	}
}

// closeGap sets a gap's end and what it measured between the reports a
// and b around it.
func (e *Engine) closeGap(ev *Event, a, b *vessel.Position) {
	ev.Start, ev.End = a.Time, b.Time
	ev.Lat, ev.Lon = a.Lat, a.Lon
	d := geo.Distance(posPoint(a), posPoint(b))
	ev.Measures["duration_s"] = float64(b.Time-a.Time) / 1000
	ev.Measures["distance_m"] = d
	ev.Measures["implied_speed_kn"] = d / (float64(b.Time-a.Time) / 1000) / knot
	ev.Evidence = ev.Evidence[:0]
	e.evidence(ev, *a, *b)
}

// lateGap re-evaluates the vessel's recent gaps with a late report older
// than its history (or any late report when replays are off): a gap
// it falls into is cut at it, keeping the parts still long enough (the
// first keeps the event's ID), or retracted when neither is.
func (e *Engine) lateGap(tr *track, p *vessel.Position) {
	min := vessel.Time(e.p.Gap.MinDuration.ms())
	horizon := vessel.Time(math.MaxInt64)
	if e.histOn {
		horizon = tr.h.horizon() // later gaps belong to replays
	}
	for i, g := range tr.gaps {
		if g.Retracted || p.Time <= g.Start || p.Time >= g.End || g.End > horizon {
			continue
		}
		a, b := g.Evidence[0], g.Evidence[len(g.Evidence)-1]
		left, right := p.Time-g.Start, g.End-p.Time
		switch {
		case left >= min:
			e.closeGap(g, &a, p)
			e.emit(g)
			if right >= min {
				ng := e.newEvent(Gap, tr.mmsi, 0, -1, p.Time, *p)
				ng.Measures["coverage_fraction"] = g.Measures["coverage_fraction"]
				e.closeGap(ng, p, &b)
				e.emit(ng)
				tr.gaps = append(tr.gaps, ng)
			}
		case right >= min:
			e.closeGap(g, p, &b)
			e.emit(g)
		default:
			g.Retracted = true
			e.emit(g)
			tr.gaps = append(tr.gaps[:i], tr.gaps[i+1:]...)
		}
		return
	}
}
