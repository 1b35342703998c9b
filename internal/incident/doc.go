// Package incident owns incident reports and risk assessments: the
// records a fusion centre writes about what happened at sea (piracy, IUU
// fishing, a collision) or what may happen in an area and period ("elevated
// piracy risk, Gulf of Aden, September"), with their Traffic Light
// Protocol marking and releasable-to list, their versions, their durable
// store, and their exports as STIX 2.1 bundles and GeoJSON.
package incident
