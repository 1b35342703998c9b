// Vessel categories as the API names them, with a label and a colour.
export const CATEGORIES = [
  ['cargo', 'Cargo', '#4caf50'],
  ['tanker', 'Tanker', '#e53935'],
  ['passenger', 'Passenger', '#1e88e5'],
  ['fishing', 'Fishing', '#fb8c00'],
  ['tug', 'Tug', '#a1887f'],
  ['pilot', 'Pilot', '#ab47bc'],
  ['sar', 'Search and rescue', '#ffee58'],
  ['military', 'Military', '#827717'],
  ['law_enforcement', 'Law enforcement', '#5c6bc0'],
  ['pleasure', 'Pleasure craft', '#f06292'],
  ['sailing', 'Sailing', '#eceff1'],
  ['high_speed', 'High speed craft', '#26c6da'],
  ['wing_in_ground', 'Wing in ground', '#b39ddb'],
  ['special', 'Special craft', '#78909c'],
  ['other', 'Other', '#c8b68e'],
  ['unknown', 'Unknown', '#9e9e9e'],
];

const known = new Set(CATEGORIES.map((c) => c[0]));

// category maps an API value to a known category name.
export function category(v) {
  return known.has(v) ? v : 'unknown';
}

// categoryLabel returns the label of a category.
export function categoryLabel(v) {
  const c = CATEGORIES.find((c) => c[0] === v);
  return c ? c[1] : 'Unknown';
}
