// Reads CoT events, one XML document per line, from the file named by the
// first argument, parses each with @tak-ps/node-cot (the TAK community's
// CoT library, which validates the event against its schema) and prints
// one JSON object per event with what a TAK client would show: uid, type,
// point, callsign, track course and speed, and the GeoJSON the library
// derives. A parse error ends the script with a non-zero status.
import { readFileSync } from 'node:fs';
import { CoTParser } from '@tak-ps/node-cot';

const lines = readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.length > 0);
for (const xml of lines) {
  const cot = CoTParser.from_xml(xml);
  const ev = cot.raw.event;
  const detail = ev.detail || {};
  const track = detail.track ? detail.track._attributes : null;
  const feature = await CoTParser.to_geojson(cot);
  console.log(JSON.stringify({
    uid: ev._attributes.uid,
    type: ev._attributes.type,
    stale: ev._attributes.stale,
    lat: Number(ev.point._attributes.lat),
    lon: Number(ev.point._attributes.lon),
    callsign: detail.contact ? detail.contact._attributes.callsign : null,
    course: track ? Number(track.course) : null,
    speed: track ? Number(track.speed) : null,
    remarks: detail.remarks ? detail.remarks._text : null,
    geometry: feature.geometry,
  }));
}
