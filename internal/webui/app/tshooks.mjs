// tshooks.mjs lets Node's test runner import the map's TypeScript modules:
// an import of ./x.js that has no such file resolves to ./x.ts, and a .ts
// module is compiled with esbuild's transform (types stripped, no type
// check: tsc --noEmit does that). Used as
//
//	node --import ./tshooks.mjs --test test/
import { register } from 'node:module';

register('./tshooks-loader.mjs', import.meta.url);
