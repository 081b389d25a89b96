// Fails when sdk/generated is stale: regenerates in memory and compares with the committed files.
import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { sdkCodegenConfig } from '../../codegen.ts';

const outputs: { filename: string; content: string }[] = await generate({ ...sdkCodegenConfig(), silent: true }, false);
const stale = outputs.filter((output) => {
  try {
    return readFileSync(output.filename, 'utf8') !== output.content;
  } catch {
    return true;
  }
});
if (stale.length > 0) {
  console.error(`Stale generated SDK code: ${stale.map((output) => output.filename).join(', ')}. Run: npm run codegen`);
  process.exit(1);
}
console.log(`sdk/generated is up to date (${outputs.length} files).`);
