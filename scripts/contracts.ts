// `npm run contracts`: regenerates docs/openapi.json and docs/events/*.json from the code's definitions.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contractDocuments, GENERATED_FOLDERS } from './contract-documents.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const documents = contractDocuments();
const written = new Set(documents.map((document) => document.path));
for (const folder of GENERATED_FOLDERS) {
  mkdirSync(join(root, folder), { recursive: true });
  for (const name of readdirSync(join(root, folder))) {
    if (!written.has(`${folder}/${name}`)) rmSync(join(root, folder, name));
  }
}
for (const document of documents) {
  mkdirSync(dirname(join(root, document.path)), { recursive: true });
  writeFileSync(join(root, document.path), document.text);
  console.log(`wrote ${document.path}`);
}
