/**
 * A small SVG line-chart writer for the bench report: axes with ticks and labels, one
 * polyline (with point markers) per series, and a legend. Output is plain SVG 1.1 that any
 * browser or image viewer shows; no scripts, no external fonts.
 */

export interface ChartSeries {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** Plot x on a log2 scale (block sizes); ticks then sit on the powers of two present. */
  readonly xLog2?: boolean;
  /** Format an x tick value, e.g. 65536 → "64 KiB". */
  readonly formatX?: (x: number) => string;
  readonly series: readonly ChartSeries[];
}

const kWidth = 1040;
const kPlot = { left: 80, top: 48, width: 520, height: 340 };
const kPalette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939'];

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** niceStep returns a 1/2/5 × 10^k step giving about `ticks` intervals over `span`. */
function niceStep(span: number, ticks: number): number {
  const raw = span / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

const formatY = (y: number): string => (y >= 1000 ? `${Number((y / 1000).toPrecision(3))}k` : `${Number(y.toPrecision(3))}`);

/** renderLineChart returns the SVG document for `chart`. Series without points are left out. */
export function renderLineChart(chart: LineChart): string {
  const series = chart.series.filter((s) => s.points.length > 0);
  const legendRows = Math.max(series.length, 1);
  const height = Math.max(kPlot.top + kPlot.height + 70, kPlot.top + 20 + legendRows * 20);
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const ys = series.flatMap((s) => s.points.map(([, y]) => y));
  const tx = (x: number) => (chart.xLog2 ? Math.log2(x) : x);
  const xMin = xs.length ? Math.min(...xs.map(tx)) : 0;
  const xMax = xs.length ? Math.max(...xs.map(tx)) : 1;
  const xSpan = xMax - xMin || 1;
  const yStep = niceStep(Math.max(...ys, 1), 5);
  const yMax = Math.ceil(Math.max(...ys, 1) / yStep) * yStep;
  const px = (x: number) => kPlot.left + ((tx(x) - xMin) / xSpan) * kPlot.width;
  const py = (y: number) => kPlot.top + kPlot.height - (y / yMax) * kPlot.height;
  const formatX = chart.formatX ?? ((x: number) => String(x));

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${kWidth}" height="${height}" viewBox="0 0 ${kWidth} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${kWidth}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${kPlot.left}" y="28" font-size="16" font-weight="bold">${escapeXml(chart.title)}</text>`);
  // Grid and y ticks.
  for (let y = 0; y <= yMax + yStep / 2; y += yStep) {
    const yy = py(y).toFixed(1);
    parts.push(`<path d="M${kPlot.left} ${yy}H${kPlot.left + kPlot.width}" stroke="#e0e0e0"/>`);
    parts.push(`<text x="${kPlot.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${formatY(y)}</text>`);
  }
  // x ticks: every distinct x value present.
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    const xx = px(x).toFixed(1);
    parts.push(`<path d="M${xx} ${kPlot.top + kPlot.height}v5" stroke="#000"/>`);
    parts.push(`<text x="${xx}" y="${kPlot.top + kPlot.height + 18}" text-anchor="middle">${escapeXml(formatX(x))}</text>`);
  }
  // Axes and their labels.
  parts.push(`<path d="M${kPlot.left} ${kPlot.top}V${kPlot.top + kPlot.height}H${kPlot.left + kPlot.width}" stroke="#000" fill="none"/>`);
  parts.push(`<text x="${kPlot.left + kPlot.width / 2}" y="${kPlot.top + kPlot.height + 40}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`);
  parts.push(`<text transform="translate(20 ${kPlot.top + kPlot.height / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`);
  // Series and legend.
  series.forEach((s, i) => {
    const color = kPalette[i % kPalette.length]!;
    // Past the palette, colours repeat: a dash pattern keeps those series (and legend keys) apart.
    const dash = i >= kPalette.length ? ' stroke-dasharray="6 3"' : '';
    const sorted = [...s.points].sort((a, b) => a[0] - b[0]);
    const d = sorted.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${px(x).toFixed(1)} ${py(y).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" stroke="${color}" stroke-width="2" fill="none"${dash}/>`);
    for (const [x, y] of sorted) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`);
    const ly = kPlot.top + 10 + i * 20;
    const lx = kPlot.left + kPlot.width + 20;
    parts.push(`<path d="M${lx} ${ly}h18" stroke="${color}" stroke-width="3"${dash}/>`);
    parts.push(`<text x="${lx + 24}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  if (series.length === 0) parts.push(`<text x="${kPlot.left + 20}" y="${kPlot.top + 30}">no data measured</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
