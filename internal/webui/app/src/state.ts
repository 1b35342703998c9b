// The page's state: the vessels of the picture, the time view (live, or
// a moment of the past on the time slider), the selected vessel and its
// details, and what the filters and the layer control's vessel groups
// let the map draw. The panels and the map read it; they change it only
// through its update functions, which tell the subscribers of what
// changed. Pure: no DOM, no map, no clock (every time is passed in, as
// the client's clock in ms), so that its transitions are unit-tested
// (test/state.test.mjs).
import { CATEGORIES, category, groupOf } from './categories.js';
import { detailOf, unknownVessel } from './vessel.js';
import type { Detail } from './api.js';
import type { Vessel, VesselDetail } from './vessel.js';
import type { View } from './panel.js';

// STALE_S is the age (s) from which a report is drawn faded.
export const STALE_S = 600;

// Topic is what changed: the picture (a new answer), the selection (the
// vessel selected or its details), the filters (categories, flag, vessel
// groups), the time view (live or a moment of the past).
export type Topic = 'picture' | 'selection' | 'filter' | 'time';

export class MapState {
  /** MMSI → summary, with _t0 (client ms) and _age0 (s) at receipt */
  vessels = new Map<string, Vessel>();
  /** the server's clock minus the client's (ms) */
  offset = 0;
  mode: 'live' | 'at' = 'live';
  /** the moment shown in the past ('at'); null live */
  at: Date | null = null;
  /** the slider's origin (ms, server clock) while it is moved from live */
  ref: number | null = null;
  selected: string | null = null;
  /** what the vessel panel shows of the selected vessel */
  detail: VesselDetail | null = null;
  /** the vessel categories the filters let through */
  categories = new Set<string>(CATEGORIES.map((c) => c[0]));
  /** the flag the filters let through ('' any) */
  flag = '';
  /** the vessel groups switched off in the layer control */
  hiddenGroups = new Set<string>();
  /** live updates applied */
  updates = 0;
  private listeners = new Map<Topic, Set<() => void>>();

  // subscribe calls fn after each change of topic; it returns the call
  // that ends the subscription.
  subscribe(topic: Topic, fn: () => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  private emit(topic: Topic): void {
    for (const fn of [...(this.listeners.get(topic) ?? [])]) fn();
  }

  get live(): boolean {
    return this.mode === 'live';
  }

  // serverNow is the server's clock at the client's clientNow (ms).
  serverNow(clientNow: number): number {
    return clientNow + this.offset;
  }

  // setServerTime takes the server's clock from a live answer's time
  // (ms) received at clientNow; a past answer's time is the past's and
  // is not taken.
  setServerTime(serverTime: number, clientNow: number): void {
    if (this.live && Number.isFinite(serverTime)) this.offset = serverTime - clientNow;
  }

  // ---- the picture ----

  // setPicture replaces the vessels with an answer's. Live, the selected
  // vessel stays on the map when the view moves away from it.
  setPicture(next: Map<string, Vessel>): void {
    const sel = this.selected ? this.vessels.get(this.selected) : undefined;
    if (this.live && sel && !next.has(sel.mmsi)) next.set(sel.mmsi, sel);
    this.vessels = next;
    this.emit('picture');
  }

  // update applies a live update (a summary prepared at receipt) and
  // tells whether it did: in a past view the picture is the past's, and
  // the stream's updates are not applied. An update of the selected
  // vessel updates its details too (subscribers of the selection are
  // told). The stream's hot path: no other subscriber is called.
  update(v: Vessel): boolean {
    if (!this.live) return false;
    this.updates++;
    const old = this.vessels.get(v.mmsi);
    this.vessels.set(v.mmsi, old ? Object.assign(old, v) : v);
    if (this.selected === v.mmsi && this.detail) {
      Object.assign(this.detail, v);
      this.emit('selection');
    }
    return true;
  }

  // updateAll applies the live updates of a stream batch, in order (a
  // vessel's last one wins), as one change: the selected vessel's
  // subscribers are told once. It returns the MMSIs updated, each once
  // (none in a past view).
  updateAll(vs: Vessel[]): string[] {
    if (!this.live || vs.length === 0) return [];
    const changed = new Set<string>();
    let selected = false;
    for (const v of vs) {
      const old = this.vessels.get(v.mmsi);
      this.vessels.set(v.mmsi, old ? Object.assign(old, v) : v);
      changed.add(v.mmsi);
      if (this.selected === v.mmsi && this.detail) {
        Object.assign(this.detail, v);
        selected = true;
      }
    }
    this.updates += vs.length;
    if (selected) this.emit('selection');
    return [...changed];
  }

  // ageOf is a vessel's report's age (s) at clientNow: live it moves on
  // from receipt; in a past view it is the age at the moment shown.
  ageOf(v: Vessel, clientNow: number): number {
    if (!this.live) return v._age0;
    return v._age0 + (clientNow - v._t0) / 1000;
  }

  // stale tells whether a vessel is drawn faded at clientNow.
  stale(v: Vessel, clientNow: number): boolean {
    return this.ageOf(v, clientNow) > STALE_S;
  }

  // groupCounts counts the picture's vessels by group (the legend).
  groupCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const v of this.vessels.values()) {
      const g = groupOf(category(v.category));
      counts.set(g, (counts.get(g) ?? 0) + 1);
    }
    return counts;
  }

  // flagCodes are the flags of the picture's vessels, and the flag the
  // filter has (so that it stays listed), sorted.
  flagCodes(): string[] {
    const codes = new Set<string>();
    for (const v of this.vessels.values()) if (typeof v.flag === 'string' && v.flag) codes.add(v.flag);
    if (this.flag) codes.add(this.flag);
    return [...codes].sort();
  }

  // ---- the selection ----

  // select selects a vessel and returns what its panel shows until the
  // details come: its summary in the picture, else hint (a search
  // result), else its MMSI alone.
  select(mmsi: string, hint: Vessel | null = null): VesselDetail {
    const summary = this.vessels.get(mmsi) ?? hint;
    this.selected = mmsi;
    this.detail = summary ? { ...summary } : unknownVessel(mmsi);
    this.emit('selection');
    return this.detail;
  }

  // setDetail takes the details of vessel mmsi (GET /api/v1/vessels/{mmsi},
  // asked with at= in a past view) unless another vessel, or none, has
  // been selected since (false). Live, the picture's summary is under
  // them; in a past view the details of that moment are all (the summary
  // held may still be the live one while the past loads).
  setDetail(mmsi: string, d: Detail): boolean {
    if (this.selected !== mmsi) return false;
    this.detail = this.live ? detailOf(d, this.vessels.get(mmsi)) : detailOf(d);
    this.emit('selection');
    return true;
  }

  deselect(): void {
    if (this.selected == null && this.detail == null) return;
    this.selected = null;
    this.detail = null;
    this.emit('selection');
  }

  // ---- the filters ----

  setCategory(cat: string, on: boolean): void {
    if (on === this.categories.has(cat)) return;
    if (on) this.categories.add(cat);
    else this.categories.delete(cat);
    this.emit('filter');
  }

  // setAllCategories lets every category through (on) or none.
  setAllCategories(on: boolean): void {
    this.categories = new Set(on ? CATEGORIES.map((c) => c[0]) : []);
    this.emit('filter');
  }

  setFlag(flag: string): void {
    if (flag === this.flag) return;
    this.flag = flag;
    this.emit('filter');
  }

  // setGroupShown switches a vessel group of the layer control.
  setGroupShown(group: string, on: boolean): void {
    if (on !== this.hiddenGroups.has(group)) return;
    if (on) this.hiddenGroups.delete(group);
    else this.hiddenGroups.add(group);
    this.emit('filter');
  }

  // shownCategories are the categories drawn: let through by the filter,
  // in a group the layer control shows.
  shownCategories(): string[] {
    return [...this.categories].filter((c) => !this.hiddenGroups.has(groupOf(c)));
  }

  // shows tells whether the map draws a vessel: it has a position, and
  // the filters and the vessel groups let it through.
  shows(v: Vessel): boolean {
    if (typeof v.lat !== 'number' || typeof v.lon !== 'number') return false;
    const cat = category(v.category);
    if (!this.categories.has(cat) || this.hiddenGroups.has(groupOf(cat))) return false;
    return !this.flag || v.flag === this.flag;
  }

  // shown yields the vessels the map draws (the labels, the table).
  *shown(): Generator<Vessel> {
    for (const v of this.vessels.values()) if (this.shows(v)) yield v;
  }

  // ---- the time view ----

  // slide notes that the time slider moves from live at clientNow: its
  // minutes count from then, not from a clock that moves on.
  slide(clientNow: number): void {
    if (this.live && this.ref == null) this.ref = this.serverNow(clientNow);
  }

  // sliderTime is the moment minutes (≤ 0) before the slider's origin,
  // or null for 0 (live).
  sliderTime(minutes: number, clientNow: number): Date | null {
    if (!Number.isFinite(minutes) || minutes === 0) return null;
    return new Date((this.ref ?? this.serverNow(clientNow)) + minutes * 60e3);
  }

  // goPast shows the moment at: the stream's updates stop applying.
  goPast(at: Date): void {
    this.mode = 'at';
    this.at = at;
    this.emit('time');
  }

  // goLive shows the live picture again.
  goLive(): void {
    this.mode = 'live';
    this.at = null;
    this.ref = null;
    this.emit('time');
  }

  // viewEnd is the moment shown (ms, server clock): the past view's, or
  // now live (trails and tracks end there).
  viewEnd(clientNow: number): number {
    return !this.live && this.at ? this.at.getTime() : this.serverNow(clientNow);
  }

  // panelView is the moment the vessel panel counts ages from: now live,
  // the slider's time in the past.
  panelView(clientNow: number): View {
    const live = this.live || !this.at;
    return { ref: this.viewEnd(clientNow), live };
  }
}
