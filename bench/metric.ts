/** Shared shape of benchmark results: `bench/results.json` maps metric names to these. */
export interface Metric {
  value: number;
  unit: string;
  target: number | null;
  better: 'lower' | 'higher';
}

export type Metrics = Record<string, Metric>;

/** A benchmark module exports `run()`; `npm run bench` runs them all and merges the results. */
export type Bench = () => Promise<Metrics>;

export function printTable(title: string, metrics: Metrics): void {
  const rows = Object.entries(metrics).map(([name, m]) => {
    const met = m.target === null ? '' : (m.better === 'lower' ? m.value <= m.target : m.value >= m.target) ? 'ok' : 'MISSED';
    return { metric: name, value: round(m.value), unit: m.unit, target: m.target ?? '', met };
  });
  console.log(`\n${title}`);
  console.table(rows);
}

function round(v: number): number {
  return Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 1000) / 1000;
}

/** Percentile of a sample (nearest-rank). */
export function percentile(sample: number[], p: number): number {
  if (sample.length === 0) return NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Lets a bench file run on its own: `if (isMain(import.meta.url)) await runStandalone('crypto', run)`. */
export async function runStandalone(title: string, bench: Bench): Promise<void> {
  const metrics = await bench();
  printTable(title, metrics);
}

export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === new URL(`file://${process.argv[1]}`).href;
}
