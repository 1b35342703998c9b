package link_test

import (
	"context"
	"fmt"
	"net"
	"os"

	"github.com/tidewatch/tidewatch/internal/link"
)

// printSink prints what it takes and signals when it has n items.
type printSink struct {
	n    int
	done chan struct{}
}

func (p *printSink) Deliver(from string, items []link.Item) error {
	for _, it := range items {
		fmt.Printf("%s #%d: %s\n", from, it.Seq, it.Data)
		if p.n--; p.n == 0 {
			close(p.done)
		}
	}
	return nil
}

// A Sender on node IN-IFC streams its queue to JP-JCG's Receiver. In
// production the listener and the dialer are TLS with client
// certificates, and Authorize names the partner from its certificate.
func Example() {
	dir, err := os.MkdirTemp("", "cursors")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	sink := &printSink{n: 3, done: make(chan struct{})}
	r := &link.Receiver{
		Name:      "JP-JCG",
		Authorize: func(net.Conn) (string, error) { return "IN-IFC", nil },
		Sink:      sink,
		Cursors:   dir,
	}
	served := make(chan error, 1)
	go func() { served <- r.Serve(ctx, l) }()

	src := newMemSource()
	src.mu.Lock()
	for i, d := range []string{"position 1", "event 2", "incident 3"} {
		src.items = append(src.items, link.Item{Seq: uint64(i + 1), Data: []byte(d)})
	}
	src.mu.Unlock()
	s := &link.Sender{
		Name:   "IN-IFC",
		Peer:   "JP-JCG",
		Source: src,
		Dial: func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", l.Addr().String())
		},
	}
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()

	<-sink.done
	cancel()
	<-ran
	<-served
	fmt.Println("cursor:", r.Stats().Partners["IN-IFC"].Cursor)
	// Output:
	// IN-IFC #1: position 1
	// IN-IFC #2: event 2
	// IN-IFC #3: incident 3
	// cursor: 3
}
