import { describe, expect, it } from 'vitest';
import { runWireFuzz } from '../../fuzz/wire-fuzz-core';

/**
 * 100,000 seeded, mutated inputs through findArmor, dearmor, Reassembler and
 * the binary decoders (see tests/fuzz/wire-fuzz-core.ts). Reproduce a failure
 * with `npm run fuzz -- --count 100000 --seed 3137`.
 */
describe('wire parser fuzz', () => {
  it('100,000 mutated inputs: only typed errors, each input within the time bound', () => {
    const report = runWireFuzz({ count: 100_000, seed: 3137, maxMsPerInput: 25 });
    expect(report.failures.map((f) => `#${f.index} ${f.kind}: ${f.detail.split('\n')[0]} input=${JSON.stringify(f.input.slice(0, 200))}`)).toEqual([]);
    // The mutations must reach the deep paths, not only fail at the first byte.
    expect(report.partsFound).toBeGreaterThan(30_000);
    expect(report.envelopesDecoded).toBeGreaterThan(5_000);
    expect(report.typedErrors.Tampered ?? 0).toBeGreaterThan(1_000);
    console.log(`wire fuzz: ${report.count} inputs in ${(report.totalMs / 1000).toFixed(1)} s, slowest ${report.maxMs.toFixed(2)} ms`);
  }, 180_000);
});
