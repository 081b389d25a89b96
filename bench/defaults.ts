/**
 * The server's configuration defaults as the built server (dist/, see buildServer) parses them, so findings and
 * labels quote the defaults of the code under test rather than numbers copied from an earlier run.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './processes.ts';

export interface ServerDefaults {
  maxActiveRunsPerKey: number | undefined;
  upstreamConnections: number | undefined;
  /** Why the defaults could not be read, if they could not. */
  error: string | undefined;
}

interface SafeParser {
  safeParse(input: unknown): { success: boolean; data?: Record<string, unknown> };
}

const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** Parses an empty environment with the built EnvSchema (defaults only). Never throws. */
export async function readServerDefaults(): Promise<ServerDefaults> {
  try {
    const mod = (await import(pathToFileURL(join(ROOT, 'dist', 'src', 'config', 'env.js')).href)) as {
      EnvSchema?: SafeParser;
    };
    const parsed = mod.EnvSchema?.safeParse({});
    if (!parsed?.success || !parsed.data) throw new Error('EnvSchema missing or rejects an empty environment');
    return {
      maxActiveRunsPerKey: num(parsed.data.MAX_ACTIVE_RUNS_PER_KEY),
      upstreamConnections: num(parsed.data.UPSTREAM_CONNECTIONS),
      error: undefined,
    };
  } catch (error) {
    return {
      maxActiveRunsPerKey: undefined,
      upstreamConnections: undefined,
      error: (error as Error).message,
    };
  }
}
