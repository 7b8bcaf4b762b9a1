// A throw-away PostgreSQL server (Debian's postgresql package, installed by .ci/run) for the test
// run and for benchmarks. No vitest here: test/support/postgres.ts adds the per-file databases.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PostgreSQL is not installed here; the message says how to install it. */
export class PostgresUnavailableError extends Error {
  override name = 'PostgresUnavailableError';
}

export interface PostgresServer {
  adminUrl: string;
  /** The folder of the server's Unix socket (trust for local connections, as Debian's default). */
  socketDir: string;
  stop(): Promise<void>;
}

/** The newest installed server's bin folder: POSTGRES_BIN_DIR, else Debian's /usr/lib/postgresql/N/bin. */
export function findPostgresBinaries(): string {
  const fromEnv = process.env.POSTGRES_BIN_DIR;
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new PostgresUnavailableError(
      'PostgreSQL is not installed, so the PostgreSQL tests cannot run. Install it with `apt-get install postgresql` (.ci/run does), or point POSTGRES_BIN_DIR at a folder holding initdb and pg_ctl.',
    );
  return join(root, versions[0]!, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * PostgreSQL refuses to run as root, and the tests do run as root in CI: then every server
 * command runs as the `postgres` system user the package creates, in a folder it owns.
 */
function asServerUser(): {
  wrap: (cmd: string, args: string[]) => [string, string[]];
  owner?: [number, number];
} {
  if (process.getuid?.() !== 0) return { wrap: (cmd, args) => [cmd, args] };
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  } catch {
    throw new PostgresUnavailableError(
      'The tests run as root, and PostgreSQL refuses to: they run it as the `postgres` system user, which does not exist here. Install the postgresql package (it creates that user).',
    );
  }
  return { wrap: (cmd, args) => ['runuser', ['-u', 'postgres', '--', cmd, ...args]], owner: [uid, gid] };
}

/** Starts a throw-away server on 127.0.0.1 with its data and socket in a new temp folder. */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = findPostgresBinaries();
  const user = asServerUser();
  const dir = mkdtempSync(join(tmpdir(), 'omh-pg-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'socket');
  const password = randomBytes(16).toString('hex');
  const exec = (tool: string, args: string[]) => {
    const [cmd, argv] = user.wrap(join(bin, tool), args);
    return run(cmd, argv, { cwd: dir, timeout: 60_000 });
  };
  let started = false;
  const stopSync = () => {
    if (!started) return;
    started = false;
    const [cmd, argv] = user.wrap(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    try {
      execFileSync(cmd, argv, { stdio: 'ignore', timeout: 30_000 });
    } catch {
      // already gone
    }
  };
  // A test run killed before its teardown must not leave a server behind.
  const onExit = () => {
    stopSync();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  try {
    mkdirSync(socket);
    writeFileSync(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
    if (user.owner) for (const p of [dir, socket, join(dir, 'pwfile')]) chownSync(p, ...user.owner);
    await exec('initdb', [
      '-D',
      data,
      '-U',
      'omh_admin',
      `--pwfile=${join(dir, 'pwfile')}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ]);
    rmSync(join(dir, 'pwfile'));
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const options = [
        `-p ${port}`,
        '-c listen_addresses=127.0.0.1',
        `-c unix_socket_directories=${socket}`,
        '-c max_connections=200',
        // Durability buys nothing for a database deleted after the run.
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
      ].join(' ');
      try {
        started = true;
        await exec('pg_ctl', [
          '-D',
          data,
          '-l',
          join(dir, 'server.log'),
          '-w',
          '-t',
          '60',
          '-o',
          options,
          'start',
        ]);
        break;
      } catch (error) {
        started = false;
        // Another process may have taken the free port between our check and the server's bind.
        if (attempt >= 3) throw error;
      }
    }
    const adminUrl = `postgres://omh_admin:${password}@127.0.0.1:${port}/postgres`;
    return {
      adminUrl,
      socketDir: socket,
      async stop() {
        process.off('exit', onExit);
        if (started) {
          started = false;
          await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() =>
            exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined),
          );
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    onExit();
    throw error;
  }
}
