package fusion

// Version returns a number that changes whenever the picture may have
// changed: the count of observations applied plus the number of vessels
// and stations. Apply counts each observation under the lock of the shard
// it changes, so a reader that takes Version before a Range sees, in that
// Range, at least the picture of that version; two equal versions mean no
// observation was applied in between. Seed (used to restore the picture
// before serving) adds vessels without counting an observation: a Seed
// that only merges into a vessel already present does not change the
// version. Readers use it to cache what they derive from the picture (the
// API's serialized picture and its ETag). It is safe for concurrent use
// and costs one short lock per shard.
func (p *Picture) Version() uint64 {
	var v uint64
	for i := range p.shards {
		sh := &p.shards[i]
		sh.mu.Lock()
		for _, n := range sh.stats.Outcomes {
			v += n
		}
		v += uint64(sh.vessels.Len()) + uint64(len(sh.stations))
		sh.mu.Unlock()
	}
	return v
}
