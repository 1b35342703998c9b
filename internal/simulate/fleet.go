package simulate

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Kind is a vessel's behaviour in the simulation.
type Kind uint8

// The kinds of vessel, with their share of the fleet (Mix).
const (
	Cargo     Kind = iota // port to port at 12-20 kn, anchoring and mooring
	Tanker                // port to port at 10-15 kn
	Fishing               // out to a ground, fishing at 2-5 kn for hours, back
	Passenger             // ferries shuttling between two ports; some cruise ships
	Tug                   // short jobs round the home port
	Pleasure              // Class B day trips from a marina
	Other                 // pilots, search and rescue, law enforcement, dredgers
	numKinds
)

var kindNames = [numKinds]string{"cargo", "tanker", "fishing", "passenger", "tug", "pleasure", "other"}

// String returns the kind's lower-case name.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "kind" + strconv.Itoa(int(k))
}

// mix is the share of each kind in the fleet, roughly that of the vessels
// a coastal AIS network hears.
var mix = [numKinds]float64{Cargo: 0.30, Tanker: 0.12, Fishing: 0.15, Passenger: 0.07, Tug: 0.08, Pleasure: 0.20, Other: 0.08}

// Vessel is the identity and static data of one simulated vessel.
type Vessel struct {
	MMSI     vessel.MMSI
	Kind     Kind
	ClassB   bool // a Class B transponder (types 18 and 24) rather than Class A (1 and 5)
	Name     string
	CallSign string
	IMO      uint32 // 0 for vessels without one
	ShipType uint8  // AIS ship and cargo type
	// Dimensions to the reference point in metres, and draught in
	// tenths of a metre (0 for Class B).
	ToBow, ToStern, ToPort, ToStarboard uint16
	Draught                             uint16
	Home                                string // label of the home port (where the simulation placed it first), or the lane's first end
	Lane                                string // the name of the lane it sails (Config.LaneShare), or ""
}

// weighted is one entry of a weighted choice.
type weighted[T any] struct {
	w float64
	v T
}

func pick[T any](r *rand.Rand, items []weighted[T]) T {
	var total float64
	for _, it := range items {
		total += it.w
	}
	x := r.Float64() * total
	for _, it := range items {
		if x < it.w {
			return it.v
		}
		x -= it.w
	}
	return items[len(items)-1].v
}

// registryMIDs are the flags of the world's merchant fleet by share of
// ships: open registries first (ITU MIDs).
var registryMIDs = []weighted[[]int]{
	{16, []int{351, 352, 353, 354, 355, 356, 357, 370, 371, 372, 373}}, // Panama
	{13, []int{636}},                    // Liberia
	{12, []int{538}},                    // Marshall Islands
	{8, []int{477}},                     // Hong Kong
	{7, []int{563, 564, 565, 566}},      // Singapore
	{6, []int{215, 229, 248, 249, 256}}, // Malta
	{4, []int{308, 309, 311}},           // Bahamas
	{5, []int{412, 413, 414}},           // China
	{4, []int{237, 239, 240, 241}},      // Greece
	{2, []int{431, 432}},                // Japan
	{2, []int{209, 210, 212}},           // Cyprus
	{2, []int{257, 258, 259}},           // Norway
	{2, []int{219, 220}},                // Denmark
	{2, []int{255}},                     // Portugal (Madeira)
	{2, []int{232, 233, 234, 235}},      // United Kingdom
	{1, []int{211, 218}},                // Germany
	{2, []int{244, 245, 246}},           // Netherlands
	{1, []int{247}},                     // Italy
	{2, []int{440, 441}},                // Korea
	{1, []int{419}},                     // India
	{2, []int{525}},                     // Indonesia
	{1, []int{304, 305}},                // Antigua and Barbuda
	{1, []int{574}},                     // Viet Nam
}

// localMIDs maps the ISO 3166-1 alpha-3 code of a port's country to the
// MIDs of its own register, for the vessels that stay near home (fishing,
// tugs, ferries, pleasure craft). Countries not listed use registryMIDs.
var localMIDs = map[string][]int{
	"USA": {366, 367, 368, 369, 338}, "GBR": {232, 233, 234, 235}, "CAN": {316}, "JPN": {431, 432},
	"NOR": {257, 258, 259}, "IDN": {525}, "SWE": {265, 266}, "ITA": {247}, "RUS": {273},
	"PHL": {548}, "DNK": {219, 220}, "AUS": {503}, "GRC": {237, 239, 240, 241}, "FRA": {226, 227, 228},
	"CHN": {412, 413, 414}, "TUR": {271}, "ESP": {224, 225}, "IND": {419}, "BRA": {710},
	"CHL": {725}, "FIN": {230}, "DEU": {211, 218}, "MYS": {533}, "MEX": {345}, "EGY": {622},
	"ISL": {251}, "VEN": {775}, "CUB": {323}, "UKR": {272}, "GRL": {331}, "NLD": {244, 245, 246},
	"BEL": {205}, "POL": {261}, "EST": {276}, "LVA": {275}, "LTU": {277}, "IRL": {250},
	"PRT": {263}, "HRV": {238}, "NZL": {512}, "ZAF": {601}, "ARG": {701}, "PER": {760},
	"COL": {730}, "KOR": {440, 441}, "TWN": {416}, "THA": {567}, "VNM": {574}, "SGP": {563},
	"HKG": {477}, "SAU": {403}, "ARE": {470}, "IRN": {422}, "PAK": {463}, "BGD": {405},
	"LKA": {417}, "NGA": {657}, "KEN": {634}, "MAR": {242}, "DZA": {605}, "TUN": {672},
	"ISR": {428}, "CYP": {209, 210, 212}, "MLT": {215, 229, 248, 249, 256}, "PAN": {351, 352},
	"BHS": {308, 309, 311}, "TZA": {674}, "MOZ": {650}, "SEN": {663}, "GHA": {627},
	"CIV": {619}, "CMR": {613}, "AGO": {603}, "NAM": {659}, "MDG": {647}, "ECU": {735},
	"URY": {770}, "PNG": {553}, "FJI": {520}, "BHR": {408}, "QAT": {466}, "KWT": {447},
	"OMN": {461}, "YEM": {473}, "JOR": {438}, "LBN": {450}, "SYR": {468}, "LBY": {642},
	"ROU": {264}, "BGR": {207}, "GEO": {213}, "SVN": {278}, "MNE": {262}, "ALB": {201},
	"FRO": {231}, "MMR": {506}, "KHM": {514}, "PRK": {445}, "GTM": {332}, "HND": {334},
	"NIC": {350}, "CRI": {321}, "SLV": {359}, "DOM": {327}, "HTI": {336}, "JAM": {339},
	"TTO": {362}, "PRI": {358}, "BRB": {314},
}

// mmsiFor returns a ship-station MMSI with a MID of mids not used yet.
func mmsiFor(r *rand.Rand, mids []int, used map[vessel.MMSI]bool) vessel.MMSI {
	for {
		mid := mids[r.IntN(len(mids))]
		m := vessel.MMSI(mid*1_000_000 + r.IntN(1_000_000))
		if !used[m] {
			used[m] = true
			return m
		}
	}
}

var (
	namePrefixes = []string{"NORDIC", "OCEAN", "GLOBAL", "PACIFIC", "ATLANTIC", "ASIAN", "BALTIC",
		"STAR", "GOLDEN", "SILVER", "BLUE", "GREEN", "CAPE", "GULF", "NEW", "GREAT", "ROYAL",
		"ARCTIC", "CORAL", "JADE", "PEARL", "EASTERN", "WESTERN", "NORTHERN", "SOUTHERN", "AEGEAN",
		"IONIAN", "IRON", "STELLAR", "CLIPPER", "UNITED", "ENERGY", "GAS", "PETRO", "BULK"}
	nameWords = []string{"PRIDE", "SPIRIT", "GRACE", "HARMONY", "FORTUNE", "VOYAGER", "EXPLORER",
		"PIONEER", "GLORY", "HORIZON", "DAWN", "BREEZE", "LIBERTY", "VICTORY", "TRADER", "CARRIER",
		"EAGLE", "FALCON", "PHOENIX", "AURORA", "MERIDIAN", "NEPTUNE", "TRITON", "ORION", "VEGA",
		"SIRIUS", "ATLAS", "TITAN", "JUPITER", "VENTURE", "ENDEAVOUR", "CONCORD", "UNITY", "WAVE",
		"TIDE", "CREST", "ISLAND", "RIVER", "BRIDGE", "QUEEN", "EMPRESS", "LEADER", "ACE", "HOPE"}
	givenNames = []string{"ANNA", "MARIA", "ELENA", "SOFIA", "HELENE", "KATERINA", "CHRISTINA",
		"JOHANNA", "ISABELLA", "MARGRETHE", "INGRID", "ASTRID", "LUCIA", "ROSA", "CARMEN", "NADIA",
		"OLGA", "YUKI", "MEI", "LINDA", "SARA", "EMMA", "NORA", "ERIK", "LARS", "JAN", "PETER",
		"NIKOLAOS", "GEORGIOS", "HANS", "PEDRO", "JOSE", "KENJI", "HIRO", "ARNE", "SVEN", "BJORN"}
	leisureNames = []string{"SEA BREEZE", "WINDSONG", "SERENITY", "BLUE MOON", "FREEDOM", "ODYSSEY",
		"SEA SPRAY", "MISCHIEF", "WANDERER", "SALTY DOG", "KINGFISHER", "MOONSHADOW", "SEAGULL",
		"DOLPHIN", "ALBATROSS", "SUNDANCER", "WHISPER", "DREAMCATCHER", "ISLAND TIME", "TRADEWIND",
		"SEA WITCH", "OSPREY", "PETREL", "HALCYON", "ZEPHYR", "NIRVANA", "CARPE DIEM", "LADY JANE"}
	roman = []string{"", "", "", " II", " III", " IV", " V", " 1", " 2", " 3", " 7", " 8", " 11", " 21"}
)

func nameFor(r *rand.Rand, k Kind) string {
	one := func(s []string) string { return s[r.IntN(len(s))] }
	switch k {
	case Pleasure:
		return one(leisureNames) + one(roman)
	case Fishing:
		if r.IntN(2) == 0 {
			return one(givenNames) + one(roman)
		}
		return one(nameWords) + one(roman)
	case Tug, Other:
		if r.IntN(2) == 0 {
			return one([]string{"TUG ", "SVS ", "MT ", "PILOT ", ""}) + one(givenNames) + one(roman)
		}
		return one(nameWords) + one(roman)
	}
	switch r.IntN(3) {
	case 0:
		return one(namePrefixes) + " " + one(nameWords)
	case 1:
		return one(givenNames) + " " + one(nameWords)
	}
	return one(namePrefixes) + " " + one(givenNames) + one(roman)
}

// callSign returns a plausible call sign: two to four letters and digits
// after a letter, as ITU prefixes look.
func callSign(r *rand.Rand) string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	n := 4 + r.IntN(4)
	b := make([]byte, n)
	b[0] = letters[r.IntN(len(letters))]
	for i := 1; i < n; i++ {
		if i < 2 || r.IntN(3) > 0 && i < 4 {
			b[i] = alnum[r.IntN(len(alnum))]
		} else {
			b[i] = '0' + byte(r.IntN(10))
		}
	}
	return string(b)
}

// imoNumber returns a seven-digit IMO number with a correct check digit
// (the last digit is the sum of the first six weighted 7 to 2, mod 10).
func imoNumber(r *rand.Rand) uint32 {
	six := 900000 + r.IntN(100000) - r.IntN(2)*r.IntN(200000) // mostly 9xxxxxx, some 8 and 7
	sum, v := 0, six
	for w := 2; w <= 7; w++ {
		sum += v % 10 * w
		v /= 10
	}
	return uint32(six*10 + sum%10)
}

// ValidIMO reports whether n is a seven-digit IMO number whose check digit
// is right.
func ValidIMO(n uint32) bool {
	if n < 1000000 || n > 9999999 {
		return false
	}
	sum, v := 0, int(n/10)
	for w := 2; w <= 7; w++ {
		sum += v % 10 * w
		v /= 10
	}
	return uint32(sum%10) == n%10
}

// profile holds the per-kind ranges the fleet is drawn from.
type profile struct {
	types          []weighted[uint8]
	minLen, maxLen float64
	beamRatio      float64 // length / beam
	minDr, maxDr   float64 // draught, metres
	classB         float64 // share with a Class B transponder
	imo            float64 // share with an IMO number
	minKn, maxKn   float64 // cruising speed
}

var profiles = [numKinds]profile{
	Cargo: {types: []weighted[uint8]{{60, 70}, {8, 71}, {3, 72}, {2, 73}, {2, 74}, {25, 79}},
		minLen: 90, maxLen: 400, beamRatio: 6.5, minDr: 6, maxDr: 15, imo: 1, minKn: 12, maxKn: 20},
	Tanker: {types: []weighted[uint8]{{55, 80}, {10, 81}, {6, 82}, {3, 83}, {2, 84}, {24, 89}},
		minLen: 70, maxLen: 335, beamRatio: 5.8, minDr: 5, maxDr: 20, imo: 1, minKn: 10, maxKn: 15},
	Fishing: {types: []weighted[uint8]{{1, 30}},
		minLen: 12, maxLen: 90, beamRatio: 3.8, minDr: 2, maxDr: 7, classB: 0.3, imo: 0.2, minKn: 8, maxKn: 11},
	Passenger: {types: []weighted[uint8]{{60, 60}, {30, 69}, {10, 40}},
		minLen: 30, maxLen: 220, beamRatio: 5.5, minDr: 2, maxDr: 7, imo: 0.8, minKn: 14, maxKn: 22},
	Tug: {types: []weighted[uint8]{{80, 52}, {20, 31}},
		minLen: 20, maxLen: 45, beamRatio: 3, minDr: 3, maxDr: 6, imo: 0.5, minKn: 6, maxKn: 11},
	Pleasure: {types: []weighted[uint8]{{65, 37}, {35, 36}},
		minLen: 6, maxLen: 30, beamRatio: 3.2, classB: 1, minKn: 4, maxKn: 8},
	Other: {types: []weighted[uint8]{{35, 50}, {15, 51}, {15, 55}, {15, 33}, {10, 53}, {10, 35}},
		minLen: 14, maxLen: 80, beamRatio: 4, minDr: 1.5, maxDr: 5, imo: 0.2, minKn: 10, maxKn: 20},
}

// newVessel draws the identity of a vessel of kind k whose home register
// is the country iso3.
func newVessel(r *rand.Rand, k Kind, iso3 string, used map[vessel.MMSI]bool) Vessel {
	p := &profiles[k]
	v := Vessel{Kind: k, ShipType: pick(r, p.types), ClassB: r.Float64() < p.classB}
	mids := localMIDs[iso3]
	if mids == nil || k == Cargo || k == Tanker || k == Passenger && v.ShipType == 60 && r.IntN(2) == 0 {
		mids = pick(r, registryMIDs)
	}
	v.MMSI = mmsiFor(r, mids, used)
	v.Name = nameFor(r, k)
	if len(v.Name) > 20 {
		v.Name = strings.TrimSpace(v.Name[:20])
	}
	if r.IntN(20) > 0 {
		v.CallSign = callSign(r)
	}
	if !v.ClassB && r.Float64() < p.imo {
		v.IMO = imoNumber(r)
	}
	// Lengths are skewed towards the small end of the range.
	length := p.minLen + (p.maxLen-p.minLen)*math.Pow(r.Float64(), 1.6)
	beam := min(length/p.beamRatio*(0.85+0.3*r.Float64()), 63*2)
	bow := math.Round(length * (0.55 + 0.35*r.Float64()))
	port := math.Round(beam * (0.3 + 0.4*r.Float64()))
	v.ToBow = uint16(min(bow, 511))
	v.ToStern = uint16(min(math.Max(math.Round(length)-bow, 1), 511))
	v.ToPort = uint16(min(port, 63))
	v.ToStarboard = uint16(min(math.Max(math.Round(beam)-port, 1), 63))
	if !v.ClassB {
		v.Draught = uint16(math.Round((p.minDr + (p.maxDr-p.minDr)*r.Float64()) * 10))
	}
	return v
}
