package fusion

import (
	"slices"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// EpisodeChange says what a report did to its MMSI's identity episode.
type EpisodeChange uint8

const (
	// EpisodeNone: no change (the report may still belong to an open
	// episode: see Result.Episode).
	EpisodeNone EpisodeChange = iota
	// EpisodeOpened: a second confirmed track of the MMSI appeared while
	// the first was active; Result.Episode is the new episode.
	EpisodeOpened
	// EpisodeJoined: one more confirmed track joined the open episode.
	EpisodeJoined
	// EpisodeClosed: all but one of the episode's tracks fell silent for
	// Config.ConflictWindow; Result.Episode is the closed episode.
	EpisodeClosed
)

var episodeChangeNames = [...]string{"none", "opened", "joined", "closed"}

// String returns "none", "opened", "joined" or "closed".
func (c EpisodeChange) String() string {
	if int(c) < len(episodeChangeNames) {
		return episodeChangeNames[c]
	}
	return "invalid"
}

// Episode is a period in which two or more transmitters really share one
// MMSI: two or more confirmed tracks, each heard while the other was
// (their spans overlap) and within Config.ConflictWindow of the others (a placeholder identity such as
// 412000000 or 123456789 used by several ships, or a copied one). The
// event layer raises one identity event per episode, not one per report:
// (MMSI, Seq) identifies it, Result.EpisodeChange says when it opens, grows
// and closes, and every report of its tracks carries it in
// Result.Episode. Reports of its tracks other than the main one are
// flagged FlagIdentityConflict, none of them FlagTeleport (but the first
// report of each transmitter, before its track existed).
type Episode struct {
	MMSI vessel.MMSI
	// Seq numbers the MMSI's episodes from 1, while the picture runs;
	// every report of the episode's tracks while it is open carries it in
	// Position.Episode.
	Seq vessel.Episode
	// Tracks are the ids (vessel.Position.Track) of the confirmed tracks
	// in the episode, in the order they joined. Read only: the slice is
	// shared.
	Tracks []uint8
	// Start is the first report of the track whose confirmation opened
	// the episode; End the latest report of any of its tracks while it is
	// open, and once closed the last report of the track whose silence
	// closed it.
	Start, End vessel.Time
	// Open is false once the episode has closed.
	Open bool
}

func (ep *Episode) has(id uint8) bool { return slices.Contains(ep.Tracks, id) }

// export returns a copy of ep (its Tracks slice shared: it is replaced,
// never written, when a track joins).
func (ep *Episode) export() Episode { return *ep }

// episode records that h, a confirmed track of t, reported at tm: it
// joins t's open episode, or opens one when another confirmed track is
// active. The caller holds the shard's lock and has pruned t.
func (p *Picture) episode(t *track, h *hyp, tm vessel.Time, m vessel.MMSI, r *Result) {
	if ep := t.ep; ep != nil && ep.Open {
		if !ep.has(h.id) {
			ep.Tracks = append(slices.Clip(ep.Tracks), h.id)
			r.EpisodeChange = EpisodeJoined
		}
		ep.End = max(ep.End, tm)
		return
	}
	var ids []uint8
	var start vessel.Time
	for i := range t.hyps {
		g := &t.hyps[i]
		// Only tracks heard while h was: a track that fell silent
		// before h began is the same transmitter's past, not another.
		concurrent := g == h || g.latest().t >= h.first && h.latest().t >= g.first
		if g.confirmed && concurrent && absT(tm-g.latest().t) <= p.cfg.conflictWindow {
			ids = append(ids, g.id)
			start = max(start, g.first)
		}
	}
	if len(ids) < 2 {
		return
	}
	t.eps++
	t.ep = &Episode{MMSI: m, Seq: t.eps, Tracks: ids, Start: start, End: tm, Open: true}
	r.EpisodeChange = EpisodeOpened
}
