/**
 * `npm run admin -- users list|approve|block|limits …`: the operator's command, run where the server runs, against
 * the same DATABASE_URL (read from the environment, default as the server's). See ADMIN_USAGE.
 */
import { runUsersCommand } from '../src/admin/users-command.ts';
import { EnvSchema } from '../src/config/env.ts';
import { openDatabase } from '../src/store/database.ts';
import { UserStore } from '../src/store/user-store.ts';

const url = EnvSchema.shape.DATABASE_URL.safeParse(process.env.DATABASE_URL || undefined);
if (!url.success || url.data === 'none') {
  console.error("DATABASE_URL must point at the server's store (sqlite:<path> or postgres://…).");
  process.exit(2);
}
const database = await openDatabase({ url: url.data, poolSize: 2 });
try {
  process.exitCode = await runUsersCommand(process.argv.slice(2), new UserStore(database), {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
} finally {
  await database.close();
}
