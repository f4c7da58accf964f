import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dearmor, decodeEnvelope, decodeHeader, findArmor } from '../../../lib/wire';
import { docExample, exampleEnvelope, exampleHeader, hex } from './doc-example';

const doc = readFileSync(new URL('../../../docs/wire-format.md', import.meta.url), 'utf8');
const example = doc.slice(doc.indexOf('## 6. Worked example'), doc.indexOf('## 7. Errors'));

function fromHexSpaced(text: string): Uint8Array {
  return Uint8Array.from(text.trim().split(/\s+/).map((b) => parseInt(b, 16)));
}

describe('docs/wire-format.md worked example', () => {
  const d = docExample();

  it('shows the bytes and armor the code produces today', () => {
    expect(example).toContain(d.headerHex);
    expect(example).toContain(d.envelopeHex);
    expect(example).toContain(d.armor);
    for (const p of d.parts) expect(example).toContain(p);
  });

  it('the hex in the document decodes to the example header and envelope', () => {
    const blocks = [...example.matchAll(/```\n([0-9a-f ]+)\n```/g)].map((m) => fromHexSpaced(m[1]!));
    expect(blocks).toHaveLength(2);
    expect(decodeHeader(blocks[0]!)).toEqual(exampleHeader);
    expect(decodeEnvelope(blocks[1]!)).toEqual(exampleEnvelope);
    expect(hex(blocks[1]!)).toBe(d.envelopeHex);
  });

  it('the armor in the document parses to the example envelope, single and split', () => {
    const armorBlocks = [...example.matchAll(/```\n(OC1[0-9A-Za-z\n]+)\n```/g)].map((m) => m[1]!);
    expect(armorBlocks).toHaveLength(2);
    expect(dearmor(armorBlocks[0]!)).toEqual(exampleEnvelope);
    expect(findArmor(armorBlocks[1]!).filter((m) => m.ok)).toHaveLength(3);
    expect(dearmor(armorBlocks[1]!.split('\n').reverse().join(' '))).toEqual(exampleEnvelope);
  });
});
