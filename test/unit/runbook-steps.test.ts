// The runbook the simulation executes is the runbook on-call reads: every step's wording appears in its alarm's
// section of docs/runbook.md, and every alarm with executable steps has a section.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RUNBOOK, RUNBOOK_ORDER } from '../../ops/runbook.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runbook = readFileSync(path.join(ROOT, 'docs/runbook.md'), 'utf8');

/** A section's text with line breaks joined, so wording wrapped at 120 columns still matches. */
function section(alarm: string): string | undefined {
  const match = new RegExp(`^## ${alarm}\\n([\\s\\S]*?)(?=^## |(?![\\s\\S]))`, 'm').exec(runbook);
  return match?.[1]?.replace(/\s*\n\s*/g, ' ');
}

describe('ops/runbook.ts against docs/runbook.md', () => {
  const steps = Object.entries(RUNBOOK).flatMap(([alarm, list]) => list.map((s) => [alarm, s.says] as const));

  it.each(steps)('%s: “%s” is in its runbook section', (alarm, says) => {
    expect(section(alarm), `docs/runbook.md has no section ## ${alarm}`).toBeDefined();
    expect(section(alarm)).toContain(says);
  });

  it('orders every alarm it has steps for (causes first, the failure queue last)', () => {
    for (const alarm of Object.keys(RUNBOOK)) expect(RUNBOOK_ORDER).toContain(alarm);
    expect(RUNBOOK_ORDER.at(-1)).toBe('FailureQueueMessages');
  });
});
