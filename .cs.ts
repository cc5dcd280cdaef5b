import { readFileSync } from 'node:fs';
import { measureColdStarts } from './bench/cold-start.ts';
const env = new Map(Object.entries(JSON.parse(readFileSync('/tmp/perfwork/env.json', 'utf8')))) as Map<string, Record<string, string>>;
const rounds = Number(process.argv[2] ?? 3);
const t = performance.now();
const r = await measureColdStarts(rounds, env, process.argv[3] ?? process.execPath);
for (const row of r.rows) console.log(row.name.padEnd(16), (row.bytes/1024).toFixed(1), row.initMs.toFixed(1), row.baselineInitMs.toFixed(1), row.ratio.toFixed(3), "wall", row.wallMs.toFixed(1), row.baselineWallMs.toFixed(1), (row.wallMs/row.baselineWallMs).toFixed(3));
console.log('baseline KiB', (r.baselineBytes/1024).toFixed(1), 'took', ((performance.now()-t)/1000).toFixed(0), 's');
