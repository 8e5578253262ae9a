/**
 * Envoy-named statistics: counters, gauges and latency histograms under the names a learner
 * greps for in Envoy's admin `/stats` (`cluster.<name>.upstream_rq_200`, `…ssl.handshake`), and
 * the same figures in Prometheus form with Envoy's tag extraction applied.
 */

/** Latency buckets in milliseconds, as Envoy's default histogram buckets. */
const BUCKETS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

class Histogram {
  readonly counts = new Array<number>(BUCKETS.length + 1).fill(0);
  count = 0;
  sum = 0;

  observe(value: number): void {
    let i = 0;
    while (i < BUCKETS.length && value > BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.count++;
    this.sum += value;
  }

  /** Quantile estimated by linear interpolation inside the bucket, as Envoy's summaries do. */
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = q * this.count;
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const inBucket = this.counts[i]!;
      if (seen + inBucket >= rank && inBucket > 0) {
        const lower = i === 0 ? 0 : BUCKETS[i - 1]!;
        const upper = BUCKETS[i] ?? lower * 2;
        return lower + ((upper - lower) * (rank - seen)) / inBucket;
      }
      seen += inBucket;
    }
    return BUCKETS.at(-1);
  }
}

/** What `/stats?filter=` selects names with: an RE2 expression in the admin interface, any RegExp-like test elsewhere. */
export interface StatsFilter {
  test(name: string): boolean;
}

export class Stats {
  private readonly counters = new Map<string, number>();
  private readonly gauges = new Map<string, number>();
  private readonly histograms = new Map<string, Histogram>();

  inc(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  /** Declares a counter at 0 so it shows before anything happened, as Envoy's do. */
  declare(name: string): void {
    if (!this.counters.has(name)) this.counters.set(name, 0);
  }

  gauge(name: string, value: number): void {
    this.gauges.set(name, value);
  }

  addGauge(name: string, delta: number): void {
    this.gauges.set(name, (this.gauges.get(name) ?? 0) + delta);
  }

  observe(name: string, valueMs: number): void {
    let histogram = this.histograms.get(name);
    if (!histogram) {
      histogram = new Histogram();
      this.histograms.set(name, histogram);
    }
    histogram.observe(valueMs);
  }

  counter(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  /**
   * What Envoy's DogStatsD sink sends at each flush: counter increments since the last flush and
   * current gauges, with the extracted tags (`envoy.cluster.upstream_rq:3|c|#envoy.cluster_name:…`).
   */
  dogStatsdLines(previous: Map<string, number>, extraTags: Record<string, string> = {}): string[] {
    const lines: string[] = [];
    const tagText = (tags: Record<string, string>) => {
      const all = Object.entries({ ...extraTags, ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [k.replace(/^envoy_/, 'envoy.'), v])) });
      return all.length ? `|#${all.map(([k, v]) => `${k}:${v}`).join(',')}` : '';
    };
    for (const [stat, value] of this.counters) {
      const delta = value - (previous.get(stat) ?? 0);
      previous.set(stat, value);
      if (delta <= 0) continue;
      const { name, tags } = extractTags(stat);
      lines.push(`envoy.${name}:${delta}|c${tagText(tags)}`);
    }
    for (const [stat, value] of this.gauges) {
      const { name, tags } = extractTags(stat);
      lines.push(`envoy.${name}:${value}|g${tagText(tags)}`);
    }
    return lines;
  }

  gaugeValue(name: string): number {
    return this.gauges.get(name) ?? 0;
  }

  /** Envoy's `/stats` text: `name: value`, sorted, histograms as quantile summaries. */
  text(filter?: StatsFilter): string {
    const lines: string[] = [];
    for (const [name, value] of [...this.counters, ...this.gauges]) {
      if (!filter || filter.test(name)) lines.push(`${name}: ${value}`);
    }
    for (const [name, histogram] of this.histograms) {
      if (filter && !filter.test(name)) continue;
      const quantiles = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1]
        .map((q) => `P${q * 100}(${format(histogram.quantile(q))},${format(histogram.quantile(q))})`)
        .join(' ');
      lines.push(`${name}: ${quantiles}`);
    }
    return lines.sort().join('\n') + (lines.length ? '\n' : '');
  }

  json(filter?: StatsFilter): { stats: ({ name: string; value: number } | { name: string; histogram: object })[] } {
    const stats: ({ name: string; value: number } | { name: string; histogram: object })[] = [];
    for (const [name, value] of [...this.counters, ...this.gauges]) {
      if (!filter || filter.test(name)) stats.push({ name, value });
    }
    for (const [name, histogram] of this.histograms) {
      if (filter && !filter.test(name)) continue;
      stats.push({
        name,
        histogram: { count: histogram.count, sum: histogram.sum, p50: histogram.quantile(0.5), p90: histogram.quantile(0.9), p99: histogram.quantile(0.99) },
      });
    }
    return { stats: stats.sort((a, b) => a.name.localeCompare(b.name)) };
  }

  prometheus(): string {
    const families = new Map<string, { type: string; samples: string[] }>();
    const add = (type: string, stat: string, value: string, suffix = '', extra: Record<string, string> = {}) => {
      const { name, tags } = extractTags(stat);
      const family = `envoy_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
      let entry = families.get(family);
      if (!entry) {
        entry = { type, samples: [] };
        families.set(family, entry);
      }
      const labels = Object.entries({ ...tags, ...extra })
        .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
        .join(',');
      entry.samples.push(`${family}${suffix}${labels ? `{${labels}}` : ''} ${value}`);
    };
    for (const [stat, value] of this.counters) add('counter', stat, String(value));
    for (const [stat, value] of this.gauges) add('gauge', stat, String(value));
    for (const [stat, histogram] of this.histograms) {
      let cumulative = 0;
      BUCKETS.forEach((bound, i) => {
        cumulative += histogram.counts[i]!;
        add('histogram', stat, String(cumulative), '_bucket', { le: String(bound) });
      });
      add('histogram', stat, String(histogram.count), '_bucket', { le: '+Inf' });
      add('histogram', stat, String(histogram.sum), '_sum');
      add('histogram', stat, String(histogram.count), '_count');
    }
    let out = '';
    for (const [family, { type, samples }] of [...families].sort(([a], [b]) => a.localeCompare(b))) {
      out += `# TYPE ${family} ${type}\n${samples.sort().join('\n')}\n`;
    }
    return out;
  }
}

function format(value: number | undefined): string {
  return value === undefined ? 'nan' : String(Math.round(value * 1000) / 1000);
}

/**
 * A subset of Envoy's default tag extraction rules: enough that per-cluster, per-listener,
 * per-status-code series come out as Envoy's would. `cluster.c.upstream_rq_200` becomes the
 * name `cluster.upstream_rq` with tags `envoy_cluster_name=c`, `envoy_response_code=200`.
 */
export function extractTags(stat: string): { name: string; tags: Record<string, string> } {
  const tags: Record<string, string> = {};
  let name = stat;
  const take = (pattern: RegExp, tag: string) => {
    const match = pattern.exec(name);
    if (!match) return;
    tags[tag] = match[2]!;
    name = name.slice(0, match.index) + match[1] + name.slice(match.index + match[0].length);
  };
  take(/^(cluster\.)([^.]+(?:\.[^.]+)*?)\.(?=(?:upstream_|health_check|outlier_detection|membership_|ssl\.|lb_|max_host|internal\.|retry_or_shadow|bind_errors|original_dst|default\.|update_|assignment_|circuit_breakers))/, 'envoy_cluster_name');
  // Listener addresses hold dots themselves: `listener.0.0.0.0_9080.ssl.handshake`.
  take(/^(listener\.)(\d+\.\d+\.\d+\.\d+_\d+|\[[^\]]*\]_\d+|[^.]+)\./, 'envoy_listener_address');
  take(/^(http\.)([^.]+)\./, 'envoy_http_conn_manager_prefix');
  take(/^(tcp\.)([^.]+)\./, 'envoy_tcp_prefix');
  take(/(_rq_)(\d{3})$/, 'envoy_response_code');
  take(/(_rq_)(\d)xx$/, 'envoy_response_code_class');
  name = name.replace(/\.{2,}/g, '.').replace(/_rq_$/, '_rq');
  if (tags.envoy_response_code_class) name += '_xx';
  return { name, tags };
}
