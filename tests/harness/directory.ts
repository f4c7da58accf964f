/**
 * The Overcrypt directory server (`server/main.ts`) on loopback with a throwaway SQLite database.
 * Started as `node20 tsx server/main.ts --host 127.0.0.1 --port P --db sqlite:<tmp>/directory.db --app-key <tmp>/app-key
 * --registration open`; ready when it prints "overcrypt-directory listening on" and its port accepts.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { projectNode, REPO_ROOT, TSX_CLI } from './node';
import { freePort, LOOPBACK, waitForPort } from './ports';
import { startProcess, type ManagedProcess } from './process';

export const DIRECTORY_ENTRY = path.join(REPO_ROOT, 'server/main.ts');

export interface Directory {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly port: number;
  readonly dbFile: string;
  /** The directory's app key file (generated at first start). */
  readonly appKeyFile: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** False until the directory server's entry point exists in this checkout. */
export function directoryAvailable(): boolean {
  return existsSync(DIRECTORY_ENTRY);
}

export async function startDirectory(options: { port?: number; extraArgs?: readonly string[]; env?: NodeJS.ProcessEnv } = {}): Promise<Directory> {
  if (!directoryAvailable()) throw new Error(`directory server entry ${DIRECTORY_ENTRY} does not exist yet`);
  const port = options.port ?? (await freePort());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'overcrypt-directory-'));
  const dbFile = path.join(dir, 'directory.db');
  const appKeyFile = path.join(dir, 'app-key');
  const proc = await startProcess({
    name: 'directory',
    command: projectNode(),
    args: [
      TSX_CLI,
      DIRECTORY_ENTRY,
      ...['--host', LOOPBACK, '--port', String(port), '--db', `sqlite:${dbFile}`, '--app-key', appKeyFile, '--registration', 'open'],
      ...(options.extraArgs ?? []),
    ],
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
  });
  try {
    const exitedFirst = proc.waitForExit().then(() => {
      throw new Error(`directory exited before listening:\n  ${proc.output().slice(-30).join('\n  ')}`);
    });
    exitedFirst.catch(() => undefined); // only the race below reports it
    await Promise.race([proc.waitForLine(/overcrypt-directory listening on/, 60_000), exitedFirst]);
    await waitForPort(port, 10_000);
  } catch (e) {
    await proc.stop(1_000);
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `http://${LOOPBACK}:${port}`,
    port,
    dbFile,
    appKeyFile,
    process: proc,
    async stop() {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
