import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface TestEngine {
  name: 'sqlite' | 'postgres';
  /** Why this engine is skipped here, or undefined when it runs. */
  skipReason: string | undefined;
}

const postgresUrl = process.env.TEST_DATABASE_URL;

/** SQLite always; PostgreSQL when TEST_DATABASE_URL is set (`.ci/run` sets it). */
export const TEST_ENGINES: TestEngine[] = [
  { name: 'sqlite', skipReason: undefined },
  { name: 'postgres', skipReason: postgresUrl ? undefined : 'TEST_DATABASE_URL is not set' },
];

/** `describe` title that says why an engine is skipped, so a missing engine is never a silent pass. */
export const engineTitle = (engine: TestEngine) =>
  engine.skipReason ? `${engine.name} (skipped: ${engine.skipReason})` : engine.name;

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of that engine: a temp SQLite file, or a new PostgreSQL database (parallel-safe). */
export async function freshDatabase(engine: TestEngine['name']): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'minipro-store-'));
    return {
      url: `sqlite:${join(dir, 'test.sqlite')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `minipro_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
