/**
 * One weighted route: each target's configured share next to the share of requests the client
 * proxies really sent it, as bars (Chart.js) and as a table carrying the same numbers as text.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, type Plugin } from 'chart.js';
import { useEffect, useRef } from 'react';
import type { RouteSplit } from '../../snapshot.js';
import { percentages, splitShares } from '../../split.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend);

// Blue and orange stay apart for every common colour-vision deficiency; the legend and the
// table name them too, and observed bars are hatched-free but labelled.
const CONFIGURED = '#1f5fbf';
const OBSERVED = '#c15c00';

/** Records what Chart.js last drew on the canvas, so a test can read the chart, not just the table. */
const recordDrawn: Plugin<'bar'> = {
  id: 'recordDrawn',
  afterDraw(chart) {
    chart.canvas.dataset.drawnConfigured = JSON.stringify(chart.data.datasets[0]?.data ?? []);
    chart.canvas.dataset.drawnObserved = JSON.stringify(chart.data.datasets[1]?.data ?? []);
  },
};

export function SplitChart({ split }: { split: RouteSplit }) {
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const chart = useRef<Chart<'bar', number[], string> | null>(null);
  const shares = splitShares(split.targets);
  const configured = percentages(shares.map((s) => s.configured));
  const requests = shares.reduce((a, s) => a + s.requests, 0);
  const observed = requests === 0 ? shares.map(() => 0) : percentages(shares.map((s) => s.observed ?? 0));
  const labels = shares.map((s) => s.label);

  useEffect(() => {
    if (!canvas.current) return;
    const reduce = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    chart.current = new Chart(canvas.current, {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'Configured %', data: [], backgroundColor: CONFIGURED }, { label: 'Observed %', data: [], backgroundColor: OBSERVED }] },
      options: {
        indexAxis: 'y',
        responsive: true,
        maintainAspectRatio: false,
        animation: reduce ? false : { duration: 300 },
        scales: { x: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      },
      plugins: [recordDrawn],
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);

  const key = JSON.stringify([labels, configured, observed]);
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const [l, conf, obs] = JSON.parse(key) as [string[], number[], number[]];
    c.data.labels = l;
    c.data.datasets[0]!.data = conf;
    c.data.datasets[1]!.data = obs;
    c.update();
  }, [key]);

  const summary = `${split.label}: ${shares.map((s, i) => `${s.label} configured ${configured[i]}%, observed ${requests === 0 ? 'no requests yet' : `${observed[i]}% (${s.requests} requests)`}`).join('; ')}`;
  return (
    <figure className="split" data-testid="split" data-route={split.id}>
      <figcaption>
        <strong>{split.label}</strong> <span className="clients">via {split.clients.join(', ')}</span>
      </figcaption>
      <div className="chart-box">
        <canvas ref={canvas} role="img" aria-label={summary} tabIndex={0} data-testid="split-chart" />
      </div>
      <table className="split-table">
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Weight</th>
            <th scope="col">Configured</th>
            <th scope="col">Observed</th>
            <th scope="col">2xx / sent</th>
          </tr>
        </thead>
        <tbody>
          {shares.map((s, i) => (
            <tr key={s.label} data-testid="split-row" data-target={s.label}>
              <th scope="row">{s.label}</th>
              <td>{split.targets[i]!.weight}</td>
              <td data-testid="configured">{configured[i]}%</td>
              <td data-testid="observed">{requests === 0 ? '—' : `${observed[i]}%`}</td>
              <td data-testid="counts">
                {s.rq2xx} / {s.requests}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
