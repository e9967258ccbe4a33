import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Benchmark output: a fixed-width table on stdout (DESIGN §6) and the same rows as JSON in
 * bench/results/<name>-<timestamp>.json, with the machine they were measured on.
 */
export type Row = Record<string, string | number | null>;

export function formatTable(rows: Row[], columns?: string[]): string {
  if (rows.length === 0) return '(no rows)';
  const keys = columns ?? Object.keys(rows[0]);
  const cells = rows.map((row) => keys.map((key) => formatCell(row[key])));
  const widths = keys.map((key, i) => Math.max(key.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) => values.map((v, i) => v.padStart(widths[i])).join('  ');
  return [line(keys), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function formatCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    if (Number.isInteger(value)) return String(value);
    return Math.abs(value) >= 100 ? value.toFixed(1) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
  }
  return value;
}

export function machineDescription(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
  };
}

export function writeResults(name: string, data: Record<string, unknown>): string {
  const dir = path.resolve(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');
  const file = path.join(dir, `${name}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify({ name, measuredAt: new Date().toISOString(), machine: machineDescription(), ...data }, null, 2)}\n`);
  return file;
}
