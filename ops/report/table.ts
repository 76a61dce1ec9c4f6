// The table on stdout: scenario → expected (deadline) → fired (time to fire) → unexpected → cleared after the runbook.
import type { ScenarioResult } from '../scenario.js';
import type { Totals } from '../score.js';

const fmt = (s: number | undefined) => (s === undefined ? '?' : s < 120 ? `${s}s` : `${Math.round(s / 6) / 10}m`);

export function resultRows(results: readonly ScenarioResult[]): string[][] {
  return results.map((r) => {
    if (r.status === 'pending') return [r.id, r.expected.join(', '), '-', '-', '-', r.pendingReason ?? 'pending'];
    const expected = r.expected.map((a) => `${a} (≤${fmt(r.deadlineSeconds[a])})`).join(', ') || 'none';
    const fired =
      r.fired.map((a) => `${a}${r.late.includes(a) ? ' LATE' : ''} (${fmt(r.secondsToFire[a])})`).join(', ') || 'none';
    const cleared =
      Object.entries(r.cleared)
        .map(([a, c]) =>
          !c.cleared ? `${a}: NO` : c.beforeRunbook ? `${a}: on its own` : `${a}: +${fmt(c.secondsAfterRunbook)}`,
        )
        .join(', ') || '-';
    return [r.id, expected, fired, r.unexpected.join(', ') || 'none', r.missed.join(', ') || 'none', cleared];
  });
}

export const HEADERS = [
  'SCENARIO',
  'EXPECTED (DEADLINE)',
  'FIRED (TIME TO FIRE)',
  'UNEXPECTED',
  'MISSED',
  'CLEARED AFTER RUNBOOK',
];

/** A plain-text table; long cells wrap at commas so it stays readable in a terminal. */
export function renderTable(headers: string[], rows: string[][], maxWidth = 44): string {
  const wrap = (cell: string) => {
    const lines: string[] = [];
    let line = '';
    for (const part of cell.split(', ')) {
      const next = line ? `${line}, ${part}` : part;
      if (next.length > maxWidth && line) {
        lines.push(`${line},`);
        line = part;
      } else line = next;
    }
    lines.push(line);
    return lines;
  };
  const wrapped = rows.map((r) => r.map(wrap));
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...wrapped.map((r) => Math.max(...(r[i] ?? ['']).map((l) => l.length)))),
  );
  const out = [
    headers.map((h, i) => h.padEnd(widths[i] as number)).join('  '),
    widths.map((w) => '-'.repeat(w)).join('  '),
  ];
  for (const r of wrapped) {
    const height = Math.max(...r.map((c) => c.length));
    for (let k = 0; k < height; k++)
      out.push(
        r
          .map((c, i) => (c[k] ?? '').padEnd(widths[i] as number))
          .join('  ')
          .trimEnd(),
      );
  }
  return out.join('\n');
}

export function summaryLine(t: Totals): string {
  return `precision ${t.precision.toFixed(3)} · recall ${t.recall.toFixed(3)} · ${t.onTime}/${t.expected} expected alarms on time · ${t.unexpected} unexpected · ${t.missed} missed`;
}
