package relay_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/tidewatch/tidewatch/internal/relay"
)

// Example relays a received line, its tag block removed, to a UDP
// destination (here a socket of the example's own). TCP clients get the
// same lines once Run has taken their connection (Stats().Clients);
// lines published before that are not theirs.
func Example() {
	dst, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer dst.Close()
	r, err := relay.New(relay.Config{UDP: dst.LocalAddr().String(), Tags: relay.TagsStrip})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	r.Publish("rx1", []byte(`\c:1420030798*00\!ABVDM,1,1,4,B,17P;HV?P008F98Il;EC1mOwL0@KP,0*22`))
	dst.SetReadDeadline(time.Now().Add(time.Minute))
	buf := make([]byte, 512)
	n, _, err := dst.ReadFrom(buf)
	if err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%q\n", buf[:n])
	cancel()
	<-done
	// Output:
	// "!ABVDM,1,1,4,B,17P;HV?P008F98Il;EC1mOwL0@KP,0*22\r\n"
}
