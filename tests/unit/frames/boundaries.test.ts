/**
 * Source-level guards for the rules the code structure enforces: the content script never asks for plaintext,
 * frames never render HTML and never listen to page messages, frames take nothing but a handle from their URL.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');

function sources(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sources(rel));
    else if (/\.(ts|tsx)$/.test(name)) out.push({ file: rel, text: readFileSync(path.join(ROOT, rel), 'utf8') });
  }
  return out;
}

/** Files a module loads at run time (relative imports that are not `import type`), transitively, from `entry`. */
function runtimeGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (rel: string) => {
    if (files.has(rel)) return;
    files.add(rel);
    const text = readFileSync(path.join(ROOT, rel), 'utf8');
    const specs = [...text.matchAll(/^import\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
    for (const spec of specs) {
      if (!spec.startsWith('.')) {
        packages.add(spec);
        continue;
      }
      const base = path.join(path.dirname(rel), spec);
      const found = ['', '.ts', '.tsx', '/index.ts'].map((ext) => base + ext).find((f) => existsSync(path.join(ROOT, f)) && statSync(path.join(ROOT, f)).isFile());
      if (found && /\.tsx?$/.test(found)) visit(found);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('boundaries', () => {
  it('the display frame stays light: it loads neither the request validator (zod) nor lib/api\'s index', () => {
    const { files, packages } = runtimeGraph('entrypoints/display-frame/main.tsx');
    expect(files.has('components/frames/DisplayApp.tsx')).toBe(true); // the walk follows imports
    expect([...files].filter((f) => /^lib\/api\/(index|validate)\.ts$/.test(f))).toEqual([]);
    expect([...packages].filter((p) => p === 'zod' || p.startsWith('zod/'))).toEqual([]);
  });

  it('the content script and lib/page never request plaintext operations', () => {
    for (const { file, text } of [...sources('entrypoints/content'), ...sources('lib/page')]) {
      for (const op of ['display/fetch', 'compose/claim', 'compose/submit', 'compose/approve']) {
        expect(text.includes(`'${op}'`), `${file} uses ${op}`).toBe(false);
      }
    }
  });

  it('frames never render HTML and never listen to postMessage', () => {
    for (const { file, text } of [...sources('components/frames'), ...sources('entrypoints/display-frame'), ...sources('entrypoints/compose-frame')]) {
      expect(/innerHTML|dangerouslySetInnerHTML|insertAdjacentHTML|outerHTML/.test(text), `${file} renders HTML`).toBe(false);
      expect(/addEventListener\(\s*['"]message['"]|onmessage/.test(text), `${file} listens to page messages`).toBe(false);
    }
  });
});
