// The picture on-call would rather look at: one self-contained HTML page (inline SVG, no scripts) with, per scenario,
// each alarm's state over the simulated time (red ALARM, green OK, grey INSUFFICIENT_DATA, with the fault, recovery
// and runbook marked) and the dashboard's own widgets — the same metrics, statistics and periods as the deployed
// CloudWatch dashboard, read from the template — plus the ground truth the alarms are judged against.
import type { AlarmTimeline } from '../cloudwatch/alarm-evaluator.js';
import type { GraphLine, GraphWidget } from '../cloudwatch/dashboard.js';
import { evaluateMetricMath, type Series } from '../cloudwatch/metric-math.js';
import { type MetricStore, periodStart } from '../cloudwatch/metric-store.js';
import type { RefresherDeployment } from '../deployment.js';
import type { ScenarioResult } from '../scenario.js';
import type { Totals } from '../score.js';
import { TRUTH_NAMESPACE } from '../world/world.js';
import { HEADERS, resultRows, summaryLine } from './table.js';

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const STATE_COLOR = { OK: '#4caf50', ALARM: '#e53935', INSUFFICIENT_DATA: '#bdbdbd' } as const;
const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);

interface Frame {
  from: number;
  to: number;
  x: (t: number) => number;
  width: number;
}

function frameOf(from: number, to: number, width: number, left: number): Frame {
  return { from, to, width, x: (t) => left + ((t - from) / Math.max(1, to - from)) * (width - left - 10) };
}

function timeAxis(f: Frame, y: number): string {
  const hours = (f.to - f.from) / 3_600_000;
  const step = (hours > 12 ? 3 : hours > 4 ? 1 : hours > 1.5 ? 0.5 : 0.25) * 3_600_000;
  const ticks: string[] = [];
  for (let t = Math.ceil(f.from / step) * step; t <= f.to; t += step) {
    ticks.push(`<text x="${f.x(t).toFixed(1)}" y="${y}" class="axis" text-anchor="middle">${hhmm(t)}</text>`);
  }
  return ticks.join('');
}

function markLines(r: ScenarioResult, f: Frame, top: number, bottom: number): string {
  const marks = r.world?.marks ?? [];
  const color = { fault: '#e53935', recovery: '#43a047', runbook: '#1e88e5', note: '#9e9e9e' };
  return marks
    .filter((m) => m.t >= f.from && m.t <= f.to)
    .map((m) => {
      const x = f.x(m.t).toFixed(1);
      return `<line x1="${x}" x2="${x}" y1="${top}" y2="${bottom}" stroke="${color[m.kind]}" stroke-dasharray="4 3"><title>${esc(`${hhmm(m.t)} ${m.kind}: ${m.text}`)}</title></line>`;
    })
    .join('');
}

function alarmStrips(r: ScenarioResult, f: Frame): string {
  const rowH = 18;
  const top = 8;
  const rows = r.timelines.map((tl: AlarmTimeline, i) => {
    const y = top + i * rowH;
    const rects: string[] = [];
    let start = f.from;
    let state = tl.evaluations[0]?.state ?? 'INSUFFICIENT_DATA';
    const flush = (end: number) => {
      const x = f.x(start);
      rects.push(
        `<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(1, f.x(end) - x).toFixed(1)}" height="${rowH - 4}" fill="${STATE_COLOR[state]}"><title>${esc(`${tl.alarmId} ${state} from ${hhmm(start)}`)}</title></rect>`,
      );
    };
    for (const e of tl.evaluations) {
      if (e.state !== state) {
        flush(e.t);
        start = e.t;
        state = e.state;
      }
    }
    flush(f.to);
    const label = `<text x="4" y="${y + 11}" class="label${r.fired.includes(tl.alarmId) ? ' fired' : ''}">${esc(tl.alarmId)}</text>`;
    return label + rects.join('');
  });
  const height = top + r.timelines.length * rowH + 18;
  return `<svg width="${f.width}" height="${height}" role="img" aria-label="alarm states">${rows.join('')}${markLines(r, f, 4, height - 16)}${timeAxis(f, height - 4)}</svg>`;
}

function lineSeries(store: MetricStore, line: GraphLine, all: GraphLine[], from: number, to: number): Series {
  const periodMs = line.periodSeconds * 1000;
  if (line.kind === 'metric') return store.periodValues(line.metric, line.stat, periodMs, from, to);
  const inputs: Record<string, Series> = {};
  for (const l of all)
    if (l.kind === 'metric' && l.id) inputs[l.id] = store.periodValues(l.metric, l.stat, periodMs, from, to);
  return evaluateMetricMath(line.expression, inputs, Math.round((to - from) / periodMs));
}

function graph(
  title: string,
  lines: { label: string; series: Series; periodMs: number; from: number }[],
  f: Frame,
  annotations: { value: number; label: string }[] = [],
): string {
  const height = 150;
  const plotTop = 24;
  const plotBottom = height - 34;
  const values = lines.flatMap((l) => l.series.filter((v): v is number => v !== undefined));
  const max = Math.max(1, ...values, ...annotations.map((a) => a.value));
  const y = (v: number) => plotBottom - (v / max) * (plotBottom - plotTop);
  const paths = lines.map((l, i) => {
    const color = COLORS[i % COLORS.length];
    const segments: string[] = [];
    let current: string[] = [];
    l.series.forEach((v, k) => {
      const t = l.from + k * l.periodMs + l.periodMs / 2;
      if (v === undefined) {
        if (current.length) segments.push(current.join(' '));
        current = [];
      } else current.push(`${f.x(t).toFixed(1)},${y(v).toFixed(1)}`);
    });
    if (current.length) segments.push(current.join(' '));
    return segments
      .map((pts) =>
        pts.includes(' ')
          ? `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="1.5"/>`
          : `<circle cx="${pts.split(',')[0]}" cy="${pts.split(',')[1]}" r="1.8" fill="${color}"/>`,
      )
      .join('');
  });
  const legend = lines
    .map((l, i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(l.label)}</span>`)
    .join(' ');
  const notes = annotations
    .map(
      (a) =>
        `<line x1="${f.x(f.from)}" x2="${f.x(f.to)}" y1="${y(a.value)}" y2="${y(a.value)}" stroke="#e53935" stroke-dasharray="2 2"/><text x="${f.x(f.from) + 2}" y="${y(a.value) - 2}" class="axis">${esc(a.label)}</text>`,
    )
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg width="${f.width}" height="${height}">
<text x="4" y="${plotTop + 4}" class="axis">${max}</text><text x="4" y="${plotBottom}" class="axis">0</text>
<line x1="${f.x(f.from)}" x2="${f.x(f.to)}" y1="${plotBottom}" y2="${plotBottom}" stroke="#ccc"/>${notes}${paths.join('')}${timeAxis(f, height - 20)}</svg><div class="legend">${legend}</div></figure>`;
}

function scenarioSection(r: ScenarioResult, deployment: RefresherDeployment): string {
  const w = r.world;
  if (!w || r.status !== 'run')
    return `<section><h2>${esc(r.title)}</h2><p>${esc(r.pendingReason ?? '')}</p></section>`;
  const from = w.startedAt;
  const to = from + r.simulatedMinutes * 60_000;
  const strips = alarmStrips(r, frameOf(from, to, 1180, 150));
  const gf = frameOf(from, to, 580, 34);
  const widgets = deployment.dashboard
    .filter((d): d is GraphWidget => d.kind === 'graph')
    .map((d) => {
      const visible = d.lines.filter((l) => l.kind === 'math' || l.visible);
      const lines = visible.map((l) => {
        const periodMs = l.periodSeconds * 1000;
        const start = periodStart(from, periodMs);
        return { label: l.label, series: lineSeries(w.store, l, d.lines, start, to), periodMs, from: start };
      });
      return graph(d.title, lines, gf, d.annotations);
    });
  const truthStart = periodStart(from, 60_000);
  widgets.push(
    graph(
      'Ground truth: hosted apps without a valid token (the provider’s view; not a CloudWatch metric)',
      [
        {
          label: 'ACTIVE orgs whose stored access token the provider rejects',
          series: w.store.periodValues(
            { namespace: TRUTH_NAMESPACE, name: 'HostedAppUnauthorizedOrgs', dimensions: {} },
            'Maximum',
            60_000,
            truthStart,
            to,
          ),
          periodMs: 60_000,
          from: truthStart,
        },
      ],
      gf,
    ),
  );
  const marks = w.marks.map((m) => `<li><b>${hhmm(m.t)}</b> ${esc(m.kind)}: ${esc(m.text)}</li>`).join('');
  const steps = r.runbook.map((s) => `<li><b>${esc(s.alarm)}</b> — “${esc(s.says)}”: ${esc(s.did)}</li>`).join('');
  const verdict = r.missed.length || r.unexpected.length ? 'bad' : 'good';
  return `<section><h2 class="${verdict}">${esc(r.title)} <small>(${esc(r.id)})</small></h2>
<p>expected: ${esc(r.expected.join(', ') || 'none')} · fired: ${esc(r.fired.map((a) => `${a} after ${r.secondsToFire[a] ?? '?'} s`).join(', ') || 'none')} · unexpected: ${esc(r.unexpected.join(', ') || 'none')} · missed: ${esc(r.missed.join(', ') || 'none')}</p>
${strips}<div class="grid">${widgets.join('')}</div>
<details><summary>timeline and runbook</summary><ul>${marks}</ul><ol>${steps}</ol></details></section>`;
}

export function renderHtml(
  results: readonly ScenarioResult[],
  t: Totals,
  deployment: RefresherDeployment,
  mode: string,
): string {
  const rows = resultRows(results)
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Alarm simulation — ${esc(deployment.stackName)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:20px;color:#222;max-width:1220px}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left}
h2{font-size:16px;margin:28px 0 4px}h2.bad{color:#c62828}h2 small{color:#888;font-weight:normal}
.axis{font-size:10px;fill:#666}.label{font-size:11px;fill:#333}.label.fired{font-weight:bold;fill:#c62828}
.grid{display:grid;grid-template-columns:repeat(2,590px);gap:6px}figure{margin:0}figcaption{font-size:12px;font-weight:600}
.legend{font-size:10px;color:#444}.legend i{display:inline-block;width:10px;height:3px;margin:0 3px 2px 6px}
</style></head><body>
<h1>Alarm simulation (${esc(mode)}) — ${esc(deployment.stackName)}</h1>
<p>${esc(summaryLine(t))}. Alarms and dashboard from <code>${esc(deployment.templatePath)}</code>; metrics from the real
handler’s EMF output and Lambda’s own metrics per invocation. Red ALARM, green OK, grey INSUFFICIENT_DATA; dashed lines:
fault (red), recovery (green), runbook (blue).</p>
<table><tr>${HEADERS.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows}</table>
${results.map((r) => scenarioSection(r, deployment)).join('\n')}
</body></html>`;
}
