/**
 * The doughnut of votes, drawn by Chart.js on a canvas. The canvas is one picture to assistive
 * technology (role="img" with a summary); the legend beside it carries the same numbers as text.
 */
import { ArcElement, Chart, DoughnutController, Tooltip, type Plugin } from 'chart.js';
import { useEffect, useRef } from 'react';
import { RESTAURANTS, totalVotes, type Counts } from '../restaurants.js';
import { shares } from '../shares.js';

Chart.register(DoughnutController, ArcElement, Tooltip);

const EMPTY_RING = '#e3e8f0';

/** With no votes Chart.js draws nothing; a grey ring keeps the chart's place and shape. */
const emptyRing: Plugin<'doughnut'> = {
  id: 'yelbEmptyRing',
  beforeDatasetsDraw(chart) {
    const values = (chart.data.datasets[0]?.data ?? []) as number[];
    if (values.some((v) => v > 0)) return;
    const arc = chart.getDatasetMeta(0).data[0];
    if (!arc) return;
    const { x, y, innerRadius, outerRadius } = arc.getProps(['x', 'y', 'innerRadius', 'outerRadius'], true) as Record<string, number>;
    const ctx = chart.ctx;
    ctx.save();
    ctx.beginPath();
    ctx.arc(x!, y!, (innerRadius! + outerRadius!) / 2, 0, Math.PI * 2);
    ctx.lineWidth = outerRadius! - innerRadius!;
    ctx.strokeStyle = EMPTY_RING;
    ctx.stroke();
    ctx.restore();
  },
};

/**
 * Records on the canvas what Chart.js last drew, so a test (or a curious learner in DevTools)
 * can check the picture against the numbers on the cards.
 */
const recordDrawn: Plugin<'doughnut'> = {
  id: 'yelbRecordDrawn',
  afterDraw(chart) {
    chart.canvas.dataset.drawnLabels = JSON.stringify(chart.data.labels ?? []);
    chart.canvas.dataset.drawnValues = JSON.stringify(chart.data.datasets[0]?.data ?? []);
  },
};

/** Hands Chart.js new numbers; it animates from the old ones. */
function showValues(chart: Chart<'doughnut', number[], string>, values: number[]): void {
  const dataset = chart.data.datasets[0];
  if (!dataset) return;
  dataset.data = values;
  chart.update();
}

function summary(counts: Counts | null): string {
  if (!counts) return 'Chart of votes per restaurant, loading.';
  const values = RESTAURANTS.map((r) => counts[r.id]);
  const percents = shares(values);
  const parts = RESTAURANTS.map((r, i) => `${r.name} ${values[i]} (${percents[i]}%)`);
  const total = totalVotes(counts);
  return `Chart of votes per restaurant, ${total} in total: ${parts.join(', ')}.`;
}

export function VotesChart({ counts }: { counts: Counts | null }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'doughnut', number[], string> | null>(null);
  const values = RESTAURANTS.map((r) => counts?.[r.id] ?? 0);
  const total = counts ? totalVotes(counts) : 0;
  const percents = shares(values);

  useEffect(() => {
    if (!canvas.current) return;
    const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    chart.current = new Chart(canvas.current, {
      type: 'doughnut',
      data: {
        labels: RESTAURANTS.map((r) => r.name),
        datasets: [
          {
            data: RESTAURANTS.map(() => 0),
            backgroundColor: RESTAURANTS.map((r) => r.colour),
            hoverBackgroundColor: RESTAURANTS.map((r) => r.colour),
            borderColor: '#ffffff',
            // Borders separate slices; a lone slice would show a seam where its ends meet.
            borderWidth: (context) => {
              const slices = (context.dataset.data as number[]).filter((v) => v > 0).length;
              return slices > 1 ? 3 : 0;
            },
            hoverOffset: 10,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        cutout: '62%',
        layout: { padding: 12 },
        animation: reduceMotion ? false : { duration: 650, easing: 'easeOutQuart' },
        plugins: {
          tooltip: {
            padding: 12,
            titleFont: { size: 16 },
            bodyFont: { size: 16 },
            callbacks: {
              label: (item) => {
                const share = shares(item.dataset.data as number[])[item.dataIndex];
                return ` ${item.parsed} ${item.parsed === 1 ? 'vote' : 'votes'} (${share}%)`;
              },
            },
          },
        },
      },
      plugins: [emptyRing, recordDrawn],
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);

  const key = values.join(',');
  useEffect(() => {
    if (chart.current) showValues(chart.current, key.split(',').map(Number));
  }, [key]);

  return (
    <div className="chart">
      <div className="chart-figure">
        <canvas ref={canvas} role="img" aria-label={summary(counts)} aria-describedby="chart-legend" data-testid="votes-chart" />
        <div className="chart-total" aria-hidden="true">
          <span className="chart-total-value">{counts ? total : '–'}</span>
          <span className="chart-total-unit">{total === 1 ? 'vote' : 'votes'}</span>
        </div>
      </div>
      <ul className="legend" id="chart-legend" aria-label="Votes per restaurant">
        {RESTAURANTS.map((r, i) => (
          <li key={r.id}>
            <span className="swatch" style={{ background: r.colour }} aria-hidden="true" />
            <span className="legend-name">{r.name}</span>
            <span className="legend-count">{counts ? values[i] : '–'}</span>
            <span className="legend-share">{counts ? `${percents[i]}%` : ''}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
