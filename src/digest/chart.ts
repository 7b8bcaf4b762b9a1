// The week's activity per day as a PNG, drawn by chart.js on a server-side canvas.
//
// Discord shows the image as it is, on #313338 in its dark theme and on #ffffff in its light one,
// so the chart carries its own opaque dark card with light text: it reads the same in both. Each
// series gets its own panel and scale (small multiples): model runs count in tens while releases
// and ideas count in ones, and on one shared axis the small series were slivers.
import { createRequire } from 'node:module';
import type { Canvas, SKRSContext2D } from '@napi-rs/canvas';
import type { ChartItem, Plugin } from 'chart.js';
import type { DayActivity } from './types.ts';

// Loaded on the first chart, not at start: Skia (the canvas's native library) and chart.js are
// about 7 MiB of a running bot's memory, and only the weekly digest and /digest preview draw.
const require = createRequire(import.meta.url);
let libraries: {
  createCanvas: typeof import('@napi-rs/canvas').createCanvas;
  Chart: typeof import('chart.js').Chart;
};
function chartLibraries(): typeof libraries {
  if (!libraries) {
    const { Chart, registerables } = require('chart.js') as typeof import('chart.js');
    Chart.register(...registerables);
    libraries = {
      createCanvas: (require('@napi-rs/canvas') as typeof import('@napi-rs/canvas')).createCanvas,
      Chart,
    };
  }
  return libraries;
}

export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 400;

/** The palette, checked for contrast in the tests (WCAG: 7:1 text, 4.5:1 small text, 3:1 bars). */
export const CHART_COLORS = {
  background: '#1e1f22',
  panel: '#2b2d31',
  text: '#f2f3f5',
  mutedText: '#b5bac1',
  grid: '#3f4147',
  series: {
    releases: '#60a5fa',
    issues: '#fb923c',
    ideas: '#4ade80',
    modelRuns: '#c084fc',
  },
} as const;

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const FONT = "'DejaVu Sans', 'Liberation Sans', Arial, sans-serif";

const SERIES = [
  { key: 'releases', label: 'Releases' },
  { key: 'issues', label: 'Issues opened' },
  { key: 'ideas', label: 'Ideas' },
  { key: 'modelRuns', label: 'Model runs' },
] as const;

export type ChartSeries = (typeof SERIES)[number]['key'];

const TITLE_HEIGHT = 46;
const MARGIN = 12;
const GAP = 10;

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Up to three panels side by side; four as a 2×2 grid, so each stays wide enough for seven bars. */
function panelRects(count: number): Rect[] {
  const columns = count <= 3 ? Math.max(count, 1) : 2;
  const rows = Math.ceil(count / columns);
  const width = (CHART_WIDTH - 2 * MARGIN - (columns - 1) * GAP) / columns;
  const height = (CHART_HEIGHT - TITLE_HEIGHT - MARGIN - (rows - 1) * GAP) / rows;
  return Array.from({ length: count }, (_, i) => ({
    x: Math.round(MARGIN + (i % columns) * (width + GAP)),
    y: Math.round(TITLE_HEIGHT + Math.floor(i / columns) * (height + GAP)),
    width: Math.floor(width),
    height: Math.floor(height),
  }));
}

// chart.js clears its canvas before drawing, so the panel colour is painted by a plugin.
const panelBackground: Plugin<'bar'> = {
  id: 'panelBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = CHART_COLORS.panel;
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

// The count above each bar: with a scale per panel, exact numbers keep panels comparable.
const barValues: Plugin<'bar'> = {
  id: 'barValues',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    const meta = chart.getDatasetMeta(0);
    const values = chart.data.datasets[0]?.data ?? [];
    ctx.save();
    ctx.fillStyle = CHART_COLORS.text;
    ctx.font = `bold 16px ${FONT}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    meta.data.forEach((bar, i) => {
      const value = Number(values[i] ?? 0);
      if (value > 0) ctx.fillText(value.toLocaleString('en-US'), bar.x, bar.y - 3);
    });
    ctx.restore();
  },
};

/**
 * A y axis of at most four round steps (1, 2, 5 × 10ⁿ) that leaves room above the tallest bar for
 * its number; an empty week still gets a 0–1 axis.
 */
function axisFor(max: number): { max: number; step: number } {
  if (max <= 0) return { max: 1, step: 1 };
  const raw = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude);
  return { max: Math.ceil((max * 1.15) / step) * step, step };
}

/** Draws one series' panel onto `target` at `rect`. */
function drawPanel(
  target: SKRSContext2D,
  days: DayActivity[],
  series: (typeof SERIES)[number],
  rect: Rect,
): void {
  const { createCanvas, Chart } = chartLibraries();
  const canvas: Canvas = createCanvas(rect.width, rect.height);
  const values = days.map((d) => d[series.key]);
  const total = values.reduce((a, b) => a + b, 0);
  const max = Math.max(...values, 0);
  const color = CHART_COLORS.series[series.key];
  const axis = axisFor(max);
  const chart = new Chart(canvas.getContext('2d') as unknown as ChartItem, {
    type: 'bar',
    data: {
      labels: days.map((_, i) => DAY_NAMES[i] ?? ''),
      datasets: [{ label: series.label, data: values, backgroundColor: color, borderWidth: 0 }],
    },
    plugins: [panelBackground, barValues],
    options: {
      // No DOM here: fixed size, no animation frames, no resize observers.
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      layout: { padding: { top: 4, right: 12, bottom: 4, left: 10 } },
      plugins: {
        legend: { display: false },
        tooltip: { enabled: false },
        title: {
          display: true,
          text: `${series.label} · ${total.toLocaleString('en-US')} this week`,
          color,
          align: 'start',
          font: { family: FONT, size: 18, weight: 'bold' },
          padding: { top: 6, bottom: 8 },
        },
      },
      scales: {
        x: {
          ticks: { color: CHART_COLORS.mutedText, font: { family: FONT, size: 14 } },
          grid: { display: false },
          border: { color: CHART_COLORS.grid },
        },
        y: {
          min: 0,
          max: axis.max,
          ticks: {
            stepSize: axis.step,
            color: CHART_COLORS.mutedText,
            font: { family: FONT, size: 13 },
            precision: 0,
          },
          grid: { color: CHART_COLORS.grid },
          border: { display: false },
        },
      },
    },
  });
  // destroy() clears the canvas: copy the drawing first.
  target.drawImage(canvas, rect.x, rect.y);
  chart.destroy();
}

/**
 * Renders one bar panel per given series, each on its own scale (absent features are not drawn,
 * so an uninstalled feature never shows as a row of zeros).
 */
export function renderActivityChart(
  days: DayActivity[],
  series: readonly ChartSeries[] = SERIES.map((s) => s.key),
  title = 'Activity per day',
): Buffer {
  const canvas = chartLibraries().createCanvas(CHART_WIDTH, CHART_HEIGHT);
  const ctx = canvas.getContext('2d') as SKRSContext2D;
  ctx.fillStyle = CHART_COLORS.background;
  ctx.fillRect(0, 0, CHART_WIDTH, CHART_HEIGHT);
  ctx.fillStyle = CHART_COLORS.text;
  ctx.font = `bold 21px ${FONT}`;
  ctx.textBaseline = 'middle';
  ctx.fillText(title, MARGIN + 4, TITLE_HEIGHT / 2, CHART_WIDTH - 2 * MARGIN);
  const shown = SERIES.filter((s) => series.includes(s.key));
  const rects = panelRects(shown.length);
  for (const [i, s] of shown.entries()) drawPanel(ctx, days, s, rects[i]!);
  return canvas.toBuffer('image/png');
}
