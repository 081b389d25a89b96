import { parseArgs } from 'node:util';
import { USER_STATUSES, type UserStatus } from '../store/schema.ts';
import type { UserRecord, UserStore } from '../store/user-store.ts';

export const ADMIN_USAGE = `Usage: npm run admin -- users <command>
  users list [--status active|pending|blocked] [--limit N]
  users approve <id|approval code>
  users block <id|approval code>
  users limits <id|approval code> [--requests-per-minute N|default] [--tokens-per-day N|default]`;

export interface AdminIo {
  out(line: string): void;
  err(line: string): void;
}

const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
const limit = (value: number | null) => (value === null ? 'default' : String(value));

/** Columns padded to their widest cell: readable in a terminal, greppable, no dependency. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

function userRows(users: UserRecord[]): string[][] {
  return [
    ['ID', 'STATUS', 'CODE', 'OPENID', 'REQ/MIN', 'TOKENS/DAY', 'CREATED'],
    ...users.map((u) => [
      u.id,
      u.status,
      u.approvalCode,
      u.openid,
      limit(u.requestsPerMinute),
      limit(u.tokensPerDay),
      time(u.createdAt),
    ]),
  ];
}

/** `N` or `default` (back to the server-wide setting); undefined when the option was not given. */
function limitValue(name: string, raw: string | undefined): number | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'default') return null;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`--${name} must be a whole number or "default"`);
  return value;
}

class UsageError extends Error {}

/**
 * `users list|approve|block|limits`, against the store the server uses. Changes reach a running server within
 * its AUTH_CACHE_TTL_MS. Returns the exit code.
 */
export async function runUsersCommand(argv: string[], users: UserStore, io: AdminIo): Promise<number> {
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        status: { type: 'string' },
        limit: { type: 'string' },
        'requests-per-minute': { type: 'string' },
        'tokens-per-day': { type: 'string' },
      },
    });
    const [group, command, target] = positionals;
    if (group !== 'users' || !command) throw new UsageError('');
    if (command === 'list') {
      const status = values.status as UserStatus | undefined;
      if (status && !USER_STATUSES.includes(status)) throw new UsageError(`--status must be one of ${USER_STATUSES}`);
      const max = values.limit === undefined ? 100 : Number(values.limit);
      const list = await users.list({ ...(status ? { status } : {}), limit: max });
      if (list.length === 0) io.out(status ? `No ${status} users.` : 'No users yet.');
      else for (const line of table(userRows(list))) io.out(line);
      return 0;
    }
    if (!target) throw new UsageError(`users ${command} needs a user id or approval code`);
    const user = await users.find(target);
    if (!user) {
      io.err(`No user with id or approval code "${target}". Try: npm run admin -- users list --status pending`);
      return 1;
    }
    if (command === 'approve' || command === 'block') {
      const status = command === 'approve' ? 'active' : 'blocked';
      await users.setStatus(user.id, status);
      io.out(`${user.id} (code ${user.approvalCode}) is now ${status}.`);
      return 0;
    }
    if (command === 'limits') {
      const requestsPerMinute = limitValue('requests-per-minute', values['requests-per-minute']);
      const tokensPerDay = limitValue('tokens-per-day', values['tokens-per-day']);
      if (requestsPerMinute === 0)
        throw new UsageError('--requests-per-minute must be at least 1 (block the user instead)');
      await users.setLimits(user.id, {
        ...(requestsPerMinute !== undefined ? { requestsPerMinute } : {}),
        ...(tokensPerDay !== undefined ? { tokensPerDay } : {}),
      });
      const updated = (await users.get(user.id)) ?? user;
      for (const line of table(userRows([updated]))) io.out(line);
      return 0;
    }
    throw new UsageError(`unknown command "users ${command}"`);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof TypeError)) throw error;
    if (error.message) io.err(error.message);
    io.err(ADMIN_USAGE);
    return 2;
  }
}
