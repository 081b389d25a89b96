import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSdl, SCHEMA_FILE } from '../../src/graphql/print-schema.ts';

describe('schema/schema.graphql', () => {
  const sdl = printSdl();

  it('is the SDL printed from the Pothos code (run `npm run schema` when this fails)', () => {
    expect(sdl).toBe(readFileSync(SCHEMA_FILE, 'utf8'));
  });

  it('declares AttachmentInput as @oneOf and the ChatEvent union', () => {
    expect(sdl).toMatch(/input AttachmentInput @oneOf \{/);
    expect(sdl).toContain('union ChatEvent = ChatStarted | ChatDelta | ChatCompleted | ChatFailed');
  });
});
