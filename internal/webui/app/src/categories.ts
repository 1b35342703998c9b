// Vessel categories as the API names them, with a label and a colour.
//
// The colours are the Okabe–Ito palette (Okabe and Ito, "Color Universal
// Design", 2002), which stays distinguishable with the common forms of
// colour blindness, plus white and grey; categories that share a colour
// form a group, which the legend lists once. Moving ships are also told
// from stopped ones by shape (a hull pointing along the course, or a dot),
// and stale ones by fading, never by colour alone.

/** @type {[string, string, string][]} group id, label, colour */
export const GROUPS: [string,string,string][] = [
  ['cargo', 'Cargo', '#009E73'], // bluish green
  ['tanker', 'Tanker', '#D55E00'], // vermillion
  ['passenger', 'Passenger, high speed', '#56B4E9'], // sky blue
  ['fishing', 'Fishing', '#E69F00'], // orange
  ['service', 'Tug, pilot, SAR, special', '#CC79A7'], // reddish purple
  ['government', 'Military, law enforcement', '#FFFFFF'], // white
  ['leisure', 'Pleasure, sailing', '#F0E442'], // yellow
  ['other', 'Other, unknown', '#B8B8B8'], // light grey
];

const groupColor = new Map(GROUPS.map((g) => [g[0], g[2]]));

/** @type {[string, string, string, string][]} category, label, colour, group */
export const CATEGORIES: [string, string, string, string][] = [
  ['cargo', 'Cargo', 'cargo'],
  ['tanker', 'Tanker', 'tanker'],
  ['passenger', 'Passenger', 'passenger'],
  ['fishing', 'Fishing', 'fishing'],
  ['tug', 'Tug', 'service'],
  ['pilot', 'Pilot', 'service'],
  ['sar', 'Search and rescue', 'service'],
  ['military', 'Military', 'government'],
  ['law_enforcement', 'Law enforcement', 'government'],
  ['pleasure', 'Pleasure craft', 'leisure'],
  ['sailing', 'Sailing', 'leisure'],
  ['high_speed', 'High speed craft', 'passenger'],
  ['wing_in_ground', 'Wing in ground', 'passenger'],
  ['special', 'Special craft', 'service'],
  ['other', 'Other', 'other'],
  ['unknown', 'Unknown', 'other'],
].map(([c, label, group]): [string, string, string, string] => [c, label, groupColor.get(group) ?? '#888', group]);

const known = new Set(CATEGORIES.map((c) => c[0]));
const groups = new Map(CATEGORIES.map((c) => [c[0], c[3]]));

// category maps an API value to a known category name.
export function category(v: string) {
  return known.has(v) ? v : 'unknown';
}

// categoryLabel returns the label of a category.
export function categoryLabel(v: string) {
  const c = CATEGORIES.find((c) => c[0] === v);
  return c ? c[1] : 'Unknown';
}

// groupOf returns the group of a category.
export function groupOf(v: string) {
  return groups.get(v) ?? 'other';
}
