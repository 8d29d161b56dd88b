/**
 * A tiny SVG chart writer (no dependency): horizontal grouped bars and a line chart, with an optional
 * dashed goal line. Output is plain, self-contained SVG text.
 */

/** One series of a bar chart: a name and one value per category. */
export interface BarSeries {
  name: string;
  values: readonly number[];
}

/** Options of {@link barChart}. */
export interface BarChartOptions {
  title: string;
  /** Category labels, one bar group each (e.g. the peers). */
  categories: readonly string[];
  series: readonly BarSeries[];
  /** Axis unit, e.g. `ms`. */
  unit: string;
  /** A dashed vertical line at this value. @default undefined */
  goal?: { value: number; label: string } | undefined;
  /** Use a log10 axis (values must be > 0). @default false */
  log?: boolean;
}

const COLORS = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#b279a2'];
const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v: number) =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);

function svgOpen(width: number, height: number, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
}

function legend(series: readonly { name: string }[], x: number, y: number): string[] {
  return series.map((s, i) => {
    const lx = x + i * 130;
    return `<rect x="${lx}" y="${y - 9}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${lx + 14}" y="${y}">${esc(s.name)}</text>`;
  });
}

/** Horizontal grouped bar chart. */
export function barChart(options: BarChartOptions): string {
  const { categories, series, unit } = options;
  const labelW = 190;
  const plotW = 480;
  const barH = 12;
  const groupH = series.length * barH + 10;
  const top = 50;
  const height = top + categories.length * groupH + 40;
  const width = labelW + plotW + 90;
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const maxValue = Math.max(options.goal?.value ?? 0, ...all, 1e-9);
  const minLog = Math.min(...all.filter((v) => v > 0), maxValue) / 2;
  const scale = (v: number) =>
    options.log
      ? (Math.log10(Math.max(v, minLog) / minLog) / Math.log10((maxValue * 1.05) / minLog)) * plotW
      : (v / (maxValue * 1.05)) * plotW;
  const out = svgOpen(width, height, options.title);
  out.push(...legend(series, labelW, 38));
  categories.forEach((category, ci) => {
    const gy = top + ci * groupH;
    out.push(`<text x="${labelW - 8}" y="${gy + groupH / 2}" text-anchor="end">${esc(category)}</text>`);
    series.forEach((s, si) => {
      const v = s.values[ci] ?? Number.NaN;
      const y = gy + si * barH;
      const w = Number.isFinite(v) ? Math.max(1, scale(v)) : 0;
      out.push(
        `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${COLORS[si % COLORS.length]}"/>`,
        `<text x="${labelW + w + 4}" y="${y + barH - 3}" font-size="10">${Number.isFinite(v) ? num(v) : 'n/a'} ${esc(unit)}</text>`,
      );
    });
  });
  const axisY = top + categories.length * groupH;
  out.push(`<line x1="${labelW}" y1="${top - 4}" x2="${labelW}" y2="${axisY}" stroke="#333"/>`);
  out.push(
    `<text x="${labelW + plotW / 2}" y="${axisY + 28}" text-anchor="middle">${esc(unit)}${options.log ? ' (log scale)' : ''}</text>`,
  );
  if (options.goal) {
    const gx = labelW + scale(options.goal.value);
    out.push(
      `<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${axisY}" stroke="#d62728" stroke-dasharray="5,4"/>`,
      `<text x="${gx + 3}" y="${axisY + 14}" fill="#d62728" font-size="10">${esc(options.goal.label)}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ReadonlyArray<{ name: string; points: ReadonlyArray<readonly [x: number, y: number]> }>;
  /** Lowest y shown. @default 0 */
  yMin?: number;
}

/** Line chart with dots at each point. */
export function lineChart(options: LineChartOptions): string {
  const left = 70;
  const top = 50;
  const plotW = 560;
  const plotH = 260;
  const width = left + plotW + 30;
  const height = top + plotH + 50;
  const points = options.series.flatMap((s) => s.points);
  const maxX = Math.max(...points.map((p) => p[0]), 1);
  const yMin = options.yMin ?? 0;
  const maxY = Math.max(...points.map((p) => p[1]), yMin + 1e-9) * 1.1;
  const px = (x: number) => left + (x / maxX) * plotW;
  const py = (y: number) => top + plotH - ((y - yMin) / (maxY - yMin)) * plotH;
  const out = svgOpen(width, height, options.title);
  out.push(...legend(options.series, left, 38));
  out.push(
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>`,
  );
  for (let i = 0; i <= 4; i++) {
    const y = yMin + ((maxY - yMin) * i) / 4;
    const x = (maxX * i) / 4;
    out.push(
      `<text x="${left - 6}" y="${py(y) + 4}" text-anchor="end" font-size="10">${num(y)}</text>`,
      `<text x="${px(x)}" y="${top + plotH + 14}" text-anchor="middle" font-size="10">${num(x)}</text>`,
    );
  }
  options.series.forEach((s, si) => {
    const color = COLORS[si % COLORS.length];
    const path = s.points.map(
      (p, i) => `${i === 0 ? 'M' : 'L'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`,
    );
    out.push(`<path d="${path.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of s.points) {
      out.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3" fill="${color}"/>`);
    }
  });
  out.push(
    `<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle">${esc(options.xLabel)}</text>`,
    `<text x="14" y="${top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${top + plotH / 2})">${esc(options.yLabel)}</text>`,
    '</svg>',
  );
  return out.join('\n');
}
