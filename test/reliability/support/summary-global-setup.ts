// Prints the reliability summary when the run ends: one line per figure, in a fixed order, the headline figures
// (`lost tokens: N`, `race invalid_grant: N`, `availability healthy: X %`, `availability faulty: X %`) in exactly that
// form so CI logs can be grepped. A figure no test recorded (a test failed before measuring) says so.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import type { Figure } from './figures.js';

/** Summary order; figures not listed here follow in the order they were recorded. */
const ORDER = [
  'race processes',
  'race orgs',
  'race cycles',
  'race rotations',
  'race exactly-once violations',
  'race invalid_grant',
  'stalled refresher sends while leased',
  'stalled refresher late commits fenced',
  'crash runs',
  'crash kill before-claim',
  'crash kill after-claim',
  'crash kill after-response',
  'crash kill during-commit',
  'crash orgs verified by refreshing',
  'crash orgs alarmed rotation lost',
  'lost tokens',
  'provider fault cases',
  'provider fault misclassified',
  'healthy-window expiries',
  'dynamodb faults injected',
  'dynamodb max attempts per call',
  'dynamodb double refreshes',
  'secrets fault cases',
  'bad input cases',
  'bad input undocumented codes',
  'notification cases',
  'leak scan texts',
  'leak scan secrets',
  'leaks',
  'availability healthy',
  'availability faulty',
];

/** Figures that add up across test files (each file contributes its share). */
const SUMMED = new Set(['lost tokens', 'leak scan texts', 'leak scan secrets', 'leaks']);

const HEADLINE = ['lost tokens', 'race invalid_grant', 'availability healthy', 'availability faulty'];

export function formatSummary(figures: Figure[], wallMs: number): string {
  const merged = new Map<string, Figure>();
  for (const f of figures) {
    const previous = merged.get(f.name);
    if (previous && SUMMED.has(f.name) && typeof previous.value === 'number' && typeof f.value === 'number') {
      merged.set(f.name, { ...previous, value: previous.value + f.value });
    } else {
      merged.set(f.name, f);
    }
  }
  const names = [...ORDER.filter((n) => merged.has(n)), ...[...merged.keys()].filter((n) => !ORDER.includes(n))];
  const lines = names.map((name) => {
    const f = merged.get(name) as Figure;
    return `${name}: ${f.value}${f.unit ? ` ${f.unit}` : ''}`;
  });
  for (const name of HEADLINE) if (!merged.has(name)) lines.push(`${name}: not measured (its test did not finish)`);
  lines.push(`suite wall time: ${(wallMs / 1000).toFixed(0)} s`);
  const rule = '─'.repeat(60);
  return `\n${rule}\nreliability summary\n${rule}\n${lines.join('\n')}\n${rule}\n`;
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ttr-reliability-'));
  const file = path.join(dir, 'figures.jsonl');
  writeFileSync(file, '');
  project.provide('reliabilityFiguresFile', file);
  const started = Date.now();
  return async () => {
    const figures = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .map((line) => JSON.parse(line) as Figure);
    process.stdout.write(formatSummary(figures, Date.now() - started));
    rmSync(dir, { recursive: true, force: true });
  };
}
