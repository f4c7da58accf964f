/**
 * Builds the extension for tests (test manifest key → stable id) into a directory of its own, keyed by a
 * digest of the sources, so parallel test runs and `wxt build` into `.output/` never overwrite a build a
 * running browser has loaded. An unchanged source tree reuses the previous build.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TEST_EXTENSION_KEY } from '../fixture/extension-key';
import { projectNode, REPO_ROOT } from './node';
import { startProcess } from './process';

/** Where test builds go: `<base>/<digest>/chrome-mv3`. */
export const TEST_BUILD_BASE = process.env.OVERCRYPT_TEST_BUILD_DIR ?? path.join(REPO_ROOT, '.output-test');

/** What a build depends on: changes here make a new build. */
const INPUTS = ['entrypoints', 'lib', 'components', 'public', 'assets', 'wxt.config.ts', 'package.json', 'tsconfig.json'];
const DONE_MARKER = '.overcrypt-build-complete';
/** Old builds are deleted only when this old: a browser in a parallel test run may still be loading one. */
const PRUNE_AFTER_MS = 2 * 60 * 60 * 1000;

export interface BuildResult {
  /** Absolute path of the unpacked extension (contains manifest.json). */
  dir: string;
  /** False when an identical earlier build was reused. */
  built: boolean;
  ms: number;
}

export async function buildExtension(options: { force?: boolean; timeoutMs?: number } = {}): Promise<BuildResult> {
  const started = performance.now();
  const digest = await sourceDigest();
  const root = path.join(TEST_BUILD_BASE, digest);
  const dir = path.join(root, 'chrome-mv3');
  const done = path.join(root, DONE_MARKER);
  if (!options.force && existsSync(done)) return { dir, built: false, ms: performance.now() - started };

  const lock = `${root}.lock`;
  await mkdir(TEST_BUILD_BASE, { recursive: true });
  if (!(await acquireLock(lock, done, options.timeoutMs ?? 180_000))) {
    return { dir, built: false, ms: performance.now() - started }; // another run built it meanwhile
  }
  try {
    await rm(root, { recursive: true, force: true });
    const proc = await startProcess({
      name: 'wxt build',
      command: projectNode(),
      args: ['--input-type=module', '-e', `import { build } from 'wxt'; await build({ root: process.argv[1], outDir: process.argv[2], logLevel: 1 });`, REPO_ROOT, root],
      cwd: REPO_ROOT,
      env: { ...process.env, OVERCRYPT_TEST_BUILD: '1', OVERCRYPT_TEST_MANIFEST_KEY: TEST_EXTENSION_KEY },
    });
    await proc.waitForExit();
    if (!existsSync(path.join(dir, 'manifest.json'))) {
      throw new Error(`wxt build produced no ${dir}/manifest.json:\n  ${proc.output().slice(-40).join('\n  ')}`);
    }
    await writeFile(done, new Date().toISOString());
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
  await pruneOldBuilds(digest);
  return { dir, built: true, ms: performance.now() - started };
}

/** mkdir is atomic: the run that creates the lock builds; others wait for the done marker. */
async function acquireLock(lock: string, done: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lock);
      return true;
    } catch {
      if (existsSync(done)) return false;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > timeoutMs) await rm(lock, { recursive: true, force: true }); // a crashed builder's lock
      if (Date.now() > deadline) throw new Error(`timed out waiting for another test build (${lock})`);
      await new Promise((r) => setTimeout(r, 200)); // polling the lock, not a sleep-as-sync
    }
  }
}

async function sourceDigest(): Promise<string> {
  const hash = createHash('sha256');
  hash.update(TEST_EXTENSION_KEY);
  for (const input of INPUTS) await hashTree(path.join(REPO_ROOT, input), hash);
  return hash.digest('hex').slice(0, 16);
}

async function hashTree(p: string, hash: ReturnType<typeof createHash>): Promise<void> {
  const s = await stat(p).catch(() => undefined);
  if (!s) return;
  if (s.isDirectory()) {
    const entries = (await readdir(p)).sort();
    for (const e of entries) await hashTree(path.join(p, e), hash);
  } else {
    hash.update(`${path.relative(REPO_ROOT, p)}\0${s.size}\0${s.mtimeMs}\n`);
  }
}

async function pruneOldBuilds(keep: string): Promise<void> {
  const entries = await readdir(TEST_BUILD_BASE, { withFileTypes: true });
  const builds = await Promise.all(
    entries
      .filter((e) => e.isDirectory() && /^[0-9a-f]{16}$/.test(e.name) && e.name !== keep)
      .map(async (e) => ({ name: e.name, mtime: (await stat(path.join(TEST_BUILD_BASE, e.name))).mtimeMs })),
  );
  for (const old of builds.filter((b) => Date.now() - b.mtime > PRUNE_AFTER_MS)) {
    await rm(path.join(TEST_BUILD_BASE, old.name), { recursive: true, force: true });
  }
}
