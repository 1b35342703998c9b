// Ship name labels and track time marks, drawn on a canvas over the map
// (the basemap has no glyphs to draw text with, and must work offline).
// Labels show from LABEL_ZOOM in; each is placed at the first of four
// spots around its ship where it collides with no label already placed
// and no other ship's icon, else left out, so that labels never overlap.
// The selected ship is placed first, then moving ships, then the rest.
// It redraws on every frame the map renders, so labels follow pans
// (and leaves the canvas alone while it is clear and stays so).

export const LABEL_ZOOM = 9;
const FONT = '600 11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const MARK_FONT = '10px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const LINE_H = 14; // label box height, CSS px
const ICON_R = 7; // half the size of the ship icon box that labels avoid
const CELL = 64; // collision grid cell, CSS px
const MAX_LABELS = 600; // ships considered per frame at most
const MAX_WIDTHS = 5000; // text widths cached at most

import type { Map as MapLibre } from 'maplibre-gl';

// Placed is a label drawn.
export interface Placed {
  mmsi: string;
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

// Mark is a time mark of a track.
export interface Mark {
  lon: number;
  lat: number;
  text: string;
}

// LabelShip is a ship as the labels see it.
export interface LabelShip {
  mmsi: string;
  lat: number;
  lon: number;
  name: string | null;
  moving: boolean;
}

// LabelSource is what the labels read of the page.
export interface LabelSource {
  ships: () => Iterable<LabelShip>;
  selected: () => string | null;
}

// Box is a box of the collision grid, owned by a ship (its MMSI) or a mark.
interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  owner: string;
}

// Grid is a uniform grid of boxes for collision tests.
class Grid {
  cells: Map<number, Box[]>;
  constructor() {
    this.cells = new Map();
  }
  key(cx: number, cy: number): number {
    return cx * 100003 + cy;
  }
  hits(b: Box): boolean {
    for (let cx = Math.floor(b.x / CELL); cx <= Math.floor((b.x + b.w) / CELL); cx++) {
      for (let cy = Math.floor(b.y / CELL); cy <= Math.floor((b.y + b.h) / CELL); cy++) {
        for (const o of this.cells.get(this.key(cx, cy)) ?? []) {
          if (b.x < o.x + o.w && o.x < b.x + b.w && b.y < o.y + o.h && o.y < b.y + b.h && o.owner !== b.owner) return true;
        }
      }
    }
    return false;
  }
  add(b: Box): void {
    for (let cx = Math.floor(b.x / CELL); cx <= Math.floor((b.x + b.w) / CELL); cx++) {
      for (let cy = Math.floor(b.y / CELL); cy <= Math.floor((b.y + b.h) / CELL); cy++) {
        const k = this.key(cx, cy);
        const list = this.cells.get(k);
        if (list) list.push(b);
        else this.cells.set(k, [b]);
      }
    }
  }
}

export class Labels {
  canvas: HTMLCanvasElement;
  widths: Map<string, number>;
  placedMarks: number;
  placed: Placed[];
  clear: boolean;
  marks: Mark[];
  marksEnabled: boolean;
  enabled: boolean;
  src: LabelSource;
  map: MapLibre;
  constructor(map: MapLibre, src: LabelSource) {
    this.map = map;
    this.src = src;
    this.enabled = true;
    this.marksEnabled = true;
    this.marks = [];
    this.placed = [];
    this.clear = true;
    this.placedMarks = 0;
    this.widths = new Map();
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'label-layer';
    this.canvas.setAttribute('aria-hidden', 'true');
    map.getCanvasContainer().append(this.canvas);
    map.on('render', () => this.draw());
    map.on('resize', () => this.draw());
  }

  setEnabled(on: boolean): void {
    this.enabled = on;
    this.map.triggerRepaint();
  }

  setMarksEnabled(on: boolean): void {
    this.marksEnabled = on;
    this.map.triggerRepaint();
  }

  // setMarks sets the time marks of the selected track.
  setMarks(marks: Mark[]): void {
    this.marks = marks;
    this.map.triggerRepaint();
  }

  width(ctx: CanvasRenderingContext2D, text: string): number {
    let w = this.widths.get(text);
    if (w === undefined) {
      if (this.widths.size >= MAX_WIDTHS) this.widths.clear();
      w = Math.ceil(ctx.measureText(text).width);
      this.widths.set(text, w);
    }
    return w;
  }

  draw() {
    const map = this.map;
    const mc = map.getCanvas();
    const cssW = mc.clientWidth;
    const cssH = mc.clientHeight;
    const ratio = window.devicePixelRatio || 1;
    const c = this.canvas;
    if (c.width !== Math.round(cssW * ratio) || c.height !== Math.round(cssH * ratio)) {
      c.width = Math.round(cssW * ratio);
      c.height = Math.round(cssH * ratio);
      c.style.width = `${cssW}px`;
      c.style.height = `${cssH}px`;
    }
    this.placed = [];
    this.placedMarks = 0;
    const showLabels = this.enabled && map.getZoom() >= LABEL_ZOOM;
    const showMarks = this.marksEnabled && this.marks.length > 0;
    // Nothing to draw on a canvas already clear (below LABEL_ZOOM, with no
    // track): left alone, since a canvas cleared in every frame is one
    // the browser composites anew in every frame.
    if (!showLabels && !showMarks && this.clear) return;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    this.clear = true;
    if (!showLabels && !showMarks) return;
    this.clear = false;

    const grid = new Grid();
    const b = map.getBounds();
    const w = b.getWest();
    const e = b.getEast();
    const s = b.getSouth();
    const n = b.getNorth();
    const inView = (lat: number, lon: number) => lat >= s && lat <= n && lon >= w && lon <= e;
    ctx.lineJoin = 'round';
    ctx.textBaseline = 'middle';

    // Ships in view, as boxes the labels avoid.
    const ships: { v: LabelShip; p: { x: number; y: number }; box: Box }[] = [];
    if (showLabels) {
      for (const v of this.src.ships()) {
        if (!inView(v.lat, v.lon)) continue;
        const p = map.project([v.lon, v.lat]);
        const ship = { v, p, box: { x: p.x - ICON_R, y: p.y - ICON_R, w: 2 * ICON_R, h: 2 * ICON_R, owner: v.mmsi } };
        ships.push(ship);
        if (ships.length <= 5000) grid.add(ship.box);
      }
    }

    // Time marks of the selected track first: they are few.
    if (showMarks) {
      ctx.font = MARK_FONT;
      for (const m of this.marks) {
        if (!inView(m.lat, m.lon)) continue;
        const p = map.project([m.lon, m.lat]);
        const tw = this.width(ctx, m.text);
        const box = { x: p.x + 5, y: p.y - LINE_H / 2, w: tw + 4, h: LINE_H, owner: 'mark' };
        if (grid.hits(box)) continue;
        grid.add(box);
        this.text(ctx, m.text, box.x + 2, p.y, '#ffd54f');
        this.placedMarks++;
      }
    }

    if (!showLabels) return;
    const sel = this.src.selected();
    ships.sort((a, b) => rank(b.v, sel) - rank(a.v, sel));
    ctx.font = FONT;
    for (const { v, p } of ships.slice(0, MAX_LABELS)) {
      if (!v.name) continue;
      const tw = this.width(ctx, v.name) + 4;
      // Right, left, above, below the icon.
      const spots: [number, number][] = [
        [p.x + ICON_R + 2, p.y - LINE_H / 2],
        [p.x - ICON_R - 2 - tw, p.y - LINE_H / 2],
        [p.x - tw / 2, p.y - ICON_R - 1 - LINE_H],
        [p.x - tw / 2, p.y + ICON_R + 1],
      ];
      for (const [x, y] of spots) {
        const box = { x, y, w: tw, h: LINE_H, owner: v.mmsi };
        if (x < 0 || y < 0 || x + tw > cssW || y + LINE_H > cssH || grid.hits(box)) continue;
        grid.add(box);
        this.text(ctx, v.name, x + 2, y + LINE_H / 2, v.mmsi === sel ? '#ffffff' : '#e4ecf2');
        this.placed.push({ mmsi: v.mmsi, text: v.name, x, y, w: tw, h: LINE_H });
        break;
      }
    }
  }

  // text draws text with a dark halo, readable over land, sea and tracks.
  text(ctx: CanvasRenderingContext2D, t: string, x: number, y: number, color: string): void {
    ctx.lineWidth = 3;
    ctx.strokeStyle = 'rgba(6, 18, 28, 0.9)';
    ctx.strokeText(t, x, y);
    ctx.fillStyle = color;
    ctx.fillText(t, x, y);
  }
}

function rank(v: LabelShip, sel: string | null): number {
  return (v.mmsi === sel ? 2 : 0) + (v.moving ? 1 : 0);
}
