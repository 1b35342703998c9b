package httpapi_test

import (
	"context"
	"fmt"

	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// A Hub keeps recent updates; a subscription resumes after a sequence
// number.
func ExampleHub() {
	hub := httpapi.NewHub(0)
	for _, m := range []vessel.MMSI{366000001, 366000002, 366000003} {
		hub.Publish(httpapi.Update{MMSI: m})
	}
	sub := hub.Subscribe(1, true, 0) // resume after update 1
	defer sub.Close()
	updates, _, _ := sub.Next(context.Background(), nil, 10)
	for _, u := range updates {
		fmt.Println(u.Seq, u.MMSI)
	}
	// Output:
	// 2 366000002
	// 3 366000003
}
