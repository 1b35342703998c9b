import type { Map as MapLibre } from 'maplibre-gl';
import { CATEGORIES } from './categories.js';

const SIZE = 24; // CSS pixels
const RATIO = 2;

// shipImage draws a ship pointing north (moving) or a round dot (not
// moving, or no course) in a colour, with a dark outline.
function shipImage(color: string, moving: boolean): ImageData {
  const px = SIZE * RATIO;
  const canvas = document.createElement('canvas');
  canvas.width = px;
  canvas.height = px;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('icons: no 2d canvas');
  ctx.lineWidth = 1.5 * RATIO;
  ctx.strokeStyle = '#06121c';
  ctx.fillStyle = color;
  ctx.beginPath();
  if (moving) {
    const p = (x: number, y: number): [number, number] => [x * px, y * px];
    ctx.moveTo(...p(0.5, 0.06));
    ctx.lineTo(...p(0.74, 0.4));
    ctx.lineTo(...p(0.7, 0.92));
    ctx.lineTo(...p(0.3, 0.92));
    ctx.lineTo(...p(0.26, 0.4));
    ctx.closePath();
  } else {
    ctx.arc(px / 2, px / 2, px * 0.2, 0, 2 * Math.PI);
  }
  ctx.fill();
  ctx.stroke();
  return ctx.getImageData(0, 0, px, px);
}

// iconName is the image name of a ship icon.
export function iconName(cat: string, moving: boolean): string {
  return `ship-${cat}-${moving ? 'm' : 's'}`;
}

// addShipIcons adds an icon for each category, moving and not, to the map.
export function addShipIcons(map: MapLibre): void {
  for (const [cat, , color] of CATEGORIES) {
    for (const moving of [true, false]) {
      const name = iconName(cat, moving);
      if (!map.hasImage(name)) map.addImage(name, shipImage(color, moving), { pixelRatio: RATIO });
    }
  }
}
