package httpapi

import (
	"crypto/rand"
	"encoding/binary"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// pictureKey identifies one state of the live picture's answers: the
// picture's version (fusion.Picture.Version) and the second the ages are
// counted from.
type pictureKey struct {
	version uint64
	ref     vessel.Time
}

// maxCachedPictures bounds the answers kept for one picture state (one
// per distinct query: the full picture, a few bboxes of open maps).
const maxCachedPictures = 8

// pictureCache keeps the serialized answers of /api/v1/vessels for the
// current picture state, each with its compressed forms, so that clients
// asking for the same picture in the same second share one serialization
// and one compression. Every answer of an older state is dropped when a
// request sees a newer one: the cache never serves a picture older than
// the version the request read. It is safe for concurrent use.
type pictureCache struct {
	mu      sync.Mutex
	key     pictureKey
	entries map[string]*pictureEntry // by canonical query
}

// pictureEntry is one answer, built once by the first request that needs
// it; the others wait for it.
type pictureEntry struct {
	once sync.Once
	body *body
}

// entry returns the entry of the query at key, nil when the cache is full
// (the caller then builds the answer for itself).
func (c *pictureCache) entry(key pictureKey, query string) *pictureEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || c.key != key {
		c.key, c.entries = key, make(map[string]*pictureEntry)
	}
	e := c.entries[query]
	if e == nil {
		if len(c.entries) >= maxCachedPictures {
			return nil
		}
		e = &pictureEntry{}
		c.entries[query] = e
	}
	return e
}

// newEpoch returns the random number that makes ETags of this handler
// differ from those of an earlier run of the server, whose picture
// versions may repeat.
func newEpoch() uint32 {
	var b [4]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return binary.LittleEndian.Uint32(b[:])
}

// pictureETag is the entity tag of the answer to query at key. It is weak
// (W/): the gzip, zstd and identity forms of one answer share it.
func pictureETag(epoch uint32, key pictureKey, query string) string {
	h := fnv.New64a()
	h.Write([]byte(query))
	var b strings.Builder
	b.WriteString(`W/"`)
	b.WriteString(strconv.FormatUint(uint64(epoch), 36))
	b.WriteByte('-')
	b.WriteString(strconv.FormatUint(key.version, 36))
	b.WriteByte('-')
	b.WriteString(strconv.FormatInt(int64(key.ref), 36))
	b.WriteByte('-')
	b.WriteString(strconv.FormatUint(h.Sum64(), 36))
	b.WriteByte('"')
	return b.String()
}

// etagMatches reports whether an If-None-Match header names etag, by weak
// comparison (RFC 9110 §13.1.2): "*" matches any current answer.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}
