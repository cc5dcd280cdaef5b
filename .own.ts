import { bundleHandler } from './lib/built-assets.ts';
for (const n of process.argv.slice(2)) bundleHandler(n, '/tmp/perfwork/own-vD8Y/' + n);
