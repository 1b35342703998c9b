// Where each ship is given to the map and where its icon is shown. The
// page hands the ships source new positions (setData, updateData) and
// MapLibre's worker tiles them: an icon moves only when its new tile is
// drawn, a worker round trip later (hundreds of milliseconds on a loaded
// machine). What must sit beside an icon (the name labels) follows the
// shown position: a position given stays pending, and the one before it
// is shown, until commit, which the page calls in a frame in which the
// ships source has tiled all it was given. Pure: no DOM, no map.

// LonLat is a ship's position as given to the ships source.
export type LonLat = [number, number];

export class ShipPositions {
  // The positions given, by MMSI.
  private givenAt: Map<string, LonLat>;
  // The whole picture given before a replace not yet shown (no longer
  // changed), or null.
  private before: Map<string, LonLat> | null;
  // Ships given a new position (or none) since the last commit, and
  // before a replace, with where they were shown (null: not shown).
  private moved: Map<string, LonLat | null>;

  constructor() {
    this.givenAt = new Map();
    this.before = null;
    this.moved = new Map();
  }

  // replace gives the whole picture anew (the map is kept, not copied).
  replace(at: Map<string, LonLat>): void {
    if (this.before === null) this.before = this.givenAt;
    this.givenAt = at;
  }

  // set gives a ship a position.
  set(mmsi: string, at: LonLat): void {
    this.remember(mmsi);
    this.givenAt.set(mmsi, at);
  }

  // delete takes a ship out of the picture given.
  delete(mmsi: string): void {
    this.remember(mmsi);
    this.givenAt.delete(mmsi);
  }

  private remember(mmsi: string): void {
    // After a replace, what is shown is the picture before it: the ships
    // given since change only the new one.
    if (this.before !== null || this.moved.has(mmsi)) return;
    this.moved.set(mmsi, this.givenAt.get(mmsi) ?? null);
  }

  // given is where a ship was last given to the source.
  given(mmsi: string): LonLat | undefined {
    return this.givenAt.get(mmsi);
  }

  // shown is where the ship is drawn once the source has tiled what it
  // was given before the last commit: its position then.
  shown(mmsi: string): LonLat | undefined {
    if (this.moved.size > 0 && this.moved.has(mmsi)) return this.moved.get(mmsi) ?? undefined;
    if (this.before !== null) return this.before.get(mmsi);
    return this.givenAt.get(mmsi);
  }

  // pending says whether positions were given since the last commit.
  get pending(): boolean {
    return this.before !== null || this.moved.size > 0;
  }

  // commit shows what was given: the source has tiled all of it.
  commit(): void {
    this.before = null;
    this.moved.clear();
  }
}
