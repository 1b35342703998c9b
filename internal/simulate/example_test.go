package simulate_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func Example() {
	sim := simulate.New(simulate.Config{Vessels: 50}, rand.New(rand.NewPCG(1, 0)))
	from := vessel.TimeOf(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	count := map[vessel.Kind]int{}
	err := sim.Run(from, from+3600_000, func(o *vessel.Observation) error {
		count[o.Kind]++
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(sim.Vessels()), "vessels")
	fmt.Println(count[vessel.KindPosition] > 5000, "positions")
	fmt.Println(count[vessel.KindStatic] > 400, "static reports")
	// Output:
	// 50 vessels
	// true positions
	// true static reports
}
