// The week's activity per day as a PNG, drawn by chart.js on a server-side canvas.
import { createCanvas } from '@napi-rs/canvas';
import { Chart, type ChartItem, registerables } from 'chart.js';
import type { DayActivity } from './types.ts';

Chart.register(...registerables);

export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 400;

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

const SERIES = [
  { key: 'releases', label: 'Releases', color: '#2b6cb0' },
  { key: 'issues', label: 'Issues', color: '#dd6b20' },
  { key: 'ideas', label: 'Ideas', color: '#38a169' },
  { key: 'modelRuns', label: 'Model runs', color: '#805ad5' },
] as const;

export type ChartSeries = (typeof SERIES)[number]['key'];

/**
 * Renders a grouped bar chart of the given series (absent features are not drawn, so an
 * uninstalled feature never shows as a row of zeros).
 */
export function renderActivityChart(
  days: DayActivity[],
  series: readonly ChartSeries[] = SERIES.map((s) => s.key),
  title = 'Activity per day',
): Buffer {
  const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, CHART_WIDTH, CHART_HEIGHT);
  const chart = new Chart(ctx as unknown as ChartItem, {
    type: 'bar',
    data: {
      labels: days.map((d, i) => `${DAY_NAMES[i] ?? ''} ${d.date.slice(5)}`),
      datasets: SERIES.filter((s) => series.includes(s.key)).map((s) => ({
        label: s.label,
        data: days.map((d) => d[s.key]),
        backgroundColor: s.color,
      })),
    },
    options: {
      // No DOM here: fixed size, no animation frames, no resize observers.
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      plugins: { title: { display: true, text: title }, legend: { position: 'bottom' } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
  const png = canvas.toBuffer('image/png');
  chart.destroy();
  return png;
}
