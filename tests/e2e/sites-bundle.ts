/**
 * lib/sites bundled for a page (IIFE, global `OvercryptSites`), so an E2E test can run the pure adapter
 * code inside the real site and prove it against the real app's DOM and framework.
 */
import { build } from 'esbuild';
import path from 'node:path';
import { REPO_ROOT } from '../harness/node';

let cached: Promise<string> | undefined;

export function sitesBundle(): Promise<string> {
  cached ??= build({
    entryPoints: [path.join(REPO_ROOT, 'lib/sites/index.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'OvercryptSites',
    footer: { js: 'globalThis.OvercryptSites = OvercryptSites;' },
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]!.text);
  return cached;
}
