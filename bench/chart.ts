// Throughput against the ideal as a small hand-written SVG: measured refreshes/s over `concurrency / latency`, with
// the ideal (y = x) and the goal (y = 0.9 x) as lines. Log-log, because the points span two orders of magnitude.

export interface ChartPoint {
  concurrency: number;
  latencyMs: number;
  idealPerSecond: number;
  perSecond: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function throughputSvg(points: readonly ChartPoint[], title: string): string {
  const width = 640;
  const height = 440;
  const m = { left: 70, right: 150, top: 40, bottom: 55 };
  const values = points.flatMap((p) => [p.idealPerSecond, p.perSecond]).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values, 1)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, 10)));
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const x = (v: number) => m.left + ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotW;
  const y = (v: number) =>
    m.top + plotH - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${m.left}" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  );
  for (let decade = lo; decade <= hi; decade *= 10) {
    out.push(
      `<line x1="${x(decade)}" y1="${m.top}" x2="${x(decade)}" y2="${m.top + plotH}" stroke="#ddd"/>`,
      `<line x1="${m.left}" y1="${y(decade)}" x2="${m.left + plotW}" y2="${y(decade)}" stroke="#ddd"/>`,
      `<text x="${x(decade)}" y="${m.top + plotH + 16}" text-anchor="middle">${decade}</text>`,
      `<text x="${m.left - 6}" y="${y(decade) + 4}" text-anchor="end">${decade}</text>`,
    );
  }
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<line x1="${x(lo)}" y1="${y(lo)}" x2="${x(hi)}" y2="${y(hi)}" stroke="#333" stroke-dasharray="4 3"/>`,
    `<line x1="${x(lo / 0.9)}" y1="${y(lo)}" x2="${x(hi)}" y2="${y(hi * 0.9)}" stroke="#999" stroke-dasharray="1 3"/>`,
    `<text x="${m.left + plotW / 2}" y="${height - 12}" text-anchor="middle">ideal refreshes/s (concurrency / latency)</text>`,
    `<text transform="translate(18 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">measured refreshes/s</text>`,
  );
  const concurrencies = [...new Set(points.map((p) => p.concurrency))].sort((a, b) => a - b);
  for (const p of points) {
    const index = concurrencies.indexOf(p.concurrency);
    const color = COLORS[index % COLORS.length];
    // Points of different concurrencies share an ideal (4 at 250 ms = 16 at 1 s): stagger their labels.
    const labelDy = 14 + index * 11;
    out.push(
      `<circle cx="${x(p.idealPerSecond).toFixed(1)}" cy="${y(Math.max(p.perSecond, lo)).toFixed(1)}" r="4" fill="${color}">` +
        `<title>concurrency ${p.concurrency}, latency ${p.latencyMs} ms: ${p.perSecond}/s of ${p.idealPerSecond}/s</title></circle>`,
      `<text x="${(x(p.idealPerSecond) + 6).toFixed(1)}" y="${(y(Math.max(p.perSecond, lo)) + labelDy).toFixed(1)}" fill="${color}" font-size="10">${p.latencyMs} ms</text>`,
    );
  }
  const lx = m.left + plotW + 16;
  out.push(`<text x="${lx}" y="${m.top + 4}" font-weight="bold">concurrency</text>`);
  concurrencies.forEach((c, i) => {
    const ly = m.top + 22 + i * 18;
    out.push(
      `<circle cx="${lx + 5}" cy="${ly - 4}" r="4" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${lx + 16}" y="${ly}">${c}</text>`,
    );
  });
  const ly = m.top + 34 + concurrencies.length * 18;
  out.push(
    `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="#333" stroke-dasharray="4 3"/>`,
    `<text x="${lx + 30}" y="${ly + 4}">ideal</text>`,
    `<line x1="${lx}" y1="${ly + 18}" x2="${lx + 24}" y2="${ly + 18}" stroke="#999" stroke-dasharray="1 3"/>`,
    `<text x="${lx + 30}" y="${ly + 22}">goal: 0.9 × ideal</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
