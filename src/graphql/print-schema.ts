import { printSchema } from 'graphql';
import { schema } from './schema.ts';

export const SCHEMA_FILE = new URL('../../schema/schema.graphql', import.meta.url);

/** The committed SDL, printed from the Pothos code (the code is the source; the file is its contract). */
export function printSdl(): string {
  return `${printSchema(schema)}\n`;
}
