import { readFileSync, writeFileSync } from 'node:fs';
import { printSdl, SCHEMA_FILE } from '../src/graphql/print-schema.ts';

const sdl = printSdl();
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(SCHEMA_FILE, 'utf8');
  } catch {}
  if (committed !== sdl) {
    console.error('schema/schema.graphql is stale: run `npm run schema` and commit it.');
    process.exit(1);
  }
} else {
  writeFileSync(SCHEMA_FILE, sdl);
  console.log(`wrote ${SCHEMA_FILE.pathname}`);
}
