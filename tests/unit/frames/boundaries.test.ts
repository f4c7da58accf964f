/**
 * Source-level guards for the rules the code structure enforces: the content script never asks for plaintext,
 * frames never render HTML and never listen to page messages, frames take nothing but a handle from their URL.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
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

describe('boundaries', () => {
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
