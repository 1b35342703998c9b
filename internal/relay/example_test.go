package relay_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"time"

	"github.com/tidewatch/tidewatch/internal/relay"
)

func Example() {
	r, err := relay.New(relay.Config{Listen: "127.0.0.1:0", Tags: relay.TagsStrip})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	c, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); r.Stats().Clients == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond) // wait for the relay to take the client
	}
	r.Publish("rx1", []byte(`\c:1420030798*00\!ABVDM,1,1,4,B,17P;HV?P008F98Il;EC1mOwL0@KP,0*22`))
	line, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Printf("%q\n", line)
	cancel()
	<-done
	// Output:
	// "!ABVDM,1,1,4,B,17P;HV?P008F98Il;EC1mOwL0@KP,0*22\r\n"
}
