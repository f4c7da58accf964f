/** `npm run bench`: runs every benchmark, prints a table each, writes bench/results.json. */
import { writeFileSync } from 'node:fs';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { printTable, type Bench, type Metrics } from './metric';

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
const all: Metrics = {};
for (const file of files) {
  const mod = (await import(join(here, file))) as { run: Bench };
  const metrics = await mod.run();
  printTable(file, metrics);
  Object.assign(all, metrics);
}
writeFileSync(join(here, 'results.json'), JSON.stringify(all, null, 2) + '\n');
console.log(`\nwrote bench/results.json (${Object.keys(all).length} metrics from ${files.length} benchmarks)`);
