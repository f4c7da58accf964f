/**
 * `npm run fuzz -- --count 1000000 --seed 42 [--max-ms 10]`
 * Runs the wire fuzzer standalone; exits 1 on any failure and prints the inputs.
 */
import { runWireFuzz } from './wire-fuzz-core';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
  return v;
}

const count = arg('count', 1_000_000);
const seed = arg('seed', Date.now() % 2 ** 31);
const maxMsPerInput = arg('max-ms', 10);
console.log(`wire fuzz: ${count} inputs, seed ${seed}, max ${maxMsPerInput} ms per input`);
const report = runWireFuzz({ count, seed, maxMsPerInput });
console.log(
  `${report.count} inputs in ${(report.totalMs / 1000).toFixed(1)} s (${((report.totalMs * 1000) / report.count).toFixed(0)} µs each), ` +
    `slowest ${report.maxMs.toFixed(2)} ms; parts found ${report.partsFound}, envelopes decoded ${report.envelopesDecoded}`,
);
console.log('typed errors:', report.typedErrors);
for (const f of report.failures) console.log(`FAIL #${f.index} ${f.kind}: ${f.detail}\n  input: ${JSON.stringify(f.input.slice(0, 500))}`);
process.exit(report.failures.length ? 1 : 0);
