// The run as Markdown (ops/results/latest.md), for docs/alarm-simulation.md and an issue's closing note: one bullet
// per scenario — each expected alarm with its time to fire and its deadline, anything unexpected or missed, and how
// long after the runbook each alarm cleared — wrapped to 120 columns as the docs require.
import type { RegionScenarioResult } from '../region-scenario.js';
import type { ScenarioResult } from '../scenario.js';
import type { Totals } from '../score.js';
import { summaryLine } from './table.js';

const pct = (v: number, digits = 3) => `${(v * 100).toFixed(digits)} %`;
const fmt = (s: number | undefined) => (s === undefined ? '?' : s < 120 ? `${s} s` : `${Math.round(s / 6) / 10} min`);

function wrap(text: string, width = 120, indent = '  '): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (next.length > width && line) {
      lines.push(line);
      line = `${indent}${word}`;
    } else line = next;
  }
  lines.push(line);
  return lines.join('\n');
}

export function renderMarkdown(results: readonly ScenarioResult[], t: Totals, mode: string): string {
  const bullets = results.map((r) => {
    if (r.status === 'pending') return wrap(`- **${r.id}** — ${r.pendingReason}.`);
    const expected = r.expected.length
      ? r.expected
          .map(
            (a) =>
              `${a} ${r.late.includes(a) ? 'LATE ' : ''}${fmt(r.secondsToFire[a])} (deadline ${fmt(r.deadlineSeconds[a])})`,
          )
          .join(', ')
      : 'nothing expected';
    const cleared = Object.entries(r.cleared)
      .map(
        ([a, c]) =>
          `${a} ${!c.cleared ? 'NOT cleared' : c.beforeRunbook ? 'on its own' : `+${fmt(c.secondsAfterRunbook)}`}`,
      )
      .join(', ');
    const sli = r.sli
      ? `freshness SLI ${pct(r.sli.truth)} (metrics ${r.sli.metrics === undefined ? '-' : pct(r.sli.metrics)}), ` +
        `${r.sli.badOrgMinutes} of ${r.sli.orgMinutes} org-minutes without a valid token, ` +
        `${pct(r.sli.monthlyBudgetSpent, 1)} of a month's budget`
      : undefined;
    const facts = (r as RegionScenarioResult).regions;
    const regional = facts
      ? [
          `refreshes by Region ${Object.entries(facts.refreshesByRegion)
            .map(([region, n]) => `${region} ${n}`)
            .join(', ')}`,
          `replicated write conflicts ${Object.values(facts.conflictsByRegion).reduce((a, c) => a + c.raced, 0)} raced and ${Object.values(
            facts.conflictsByRegion,
          ).reduce((a, c) => a + c.injected, 0)} injected, all absorbed`,
          `invalid_grant ${facts.invalidGrants}, rotations lost ${facts.rotationsLost}, answers not committed ${facts.tokensNotCommitted}`,
          `checks: ${facts.checks.map((c) => `${c.held ? 'held' : 'FAILED'}: ${c.says}`).join('; ')}`,
        ]
      : [];
    const parts = [
      `- **${r.id}** — ${expected}`,
      `unexpected: ${r.unexpected.join(', ') || 'none'}`,
      `missed: ${r.missed.join(', ') || 'none'}`,
      ...(cleared ? [`cleared after the runbook: ${cleared}`] : []),
      ...(sli ? [sli] : []),
      ...regional,
    ];
    return wrap(`${parts.join('; ')}.`);
  });
  return `Alarm simulation, ${mode} run: ${summaryLine(t)}.\n\n${bullets.join('\n')}\n`;
}
