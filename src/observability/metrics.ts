/**
 * A small Prometheus registry: counters and histograms with labels, rendered in the text
 * exposition format (version 0.0.4). Pure, so it runs in Workers, Node and tests.
 *
 * Values live in the isolate. Self-hosted (`npm start`) that is the whole server; on
 * Cloudflare each isolate reports its own share, so scrape through a single-isolate
 * route or aggregate downstream.
 */

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k] ?? "")}"`)
    .join(",");
}

function escapeLabel(v: string): string {
  return v.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}

/** A monotonically increasing counter per label set. */
export class Counter {
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }
  /** Current value for a label set (0 if never incremented). */
  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, v] of this.#values) lines.push(`${this.name}${key ? `{${key}}` : ""} ${v}`);
    return lines.join("\n");
  }
}

/** A cumulative histogram per label set with fixed upper bounds. */
export class Histogram {
  readonly #series = new Map<string, { buckets: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {}
  observe(value: number, labels: Labels = {}): void {
    const key = labelKey(labels);
    let s = this.#series.get(key);
    if (!s) {
      s = { buckets: new Array(this.bounds.length).fill(0), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    for (let i = 0; i < this.bounds.length; i++)
      if (value <= (this.bounds[i] ?? Number.POSITIVE_INFINITY)) s.buckets[i]!++;
    s.sum += value;
    s.count++;
  }
  /** Number of observations for a label set. */
  count(labels: Labels = {}): number {
    return this.#series.get(labelKey(labels))?.count ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, s] of this.#series) {
      const sep = key ? `${key},` : "";
      this.bounds.forEach((b, i) => {
        lines.push(`${this.name}_bucket{${sep}le="${b}"} ${s.buckets[i]}`);
      });
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${key ? `{${key}}` : ""} ${s.sum}`);
      lines.push(`${this.name}_count${key ? `{${key}}` : ""} ${s.count}`);
    }
    return lines.join("\n");
  }
}

/** A metric family computed at scrape time (from D1 or another store), ready to render. */
export interface MetricFamily {
  name: string;
  help: string;
  type: "counter" | "gauge";
  samples: { labels?: Labels; value: number }[];
}

/** Renders scrape-time families in the exposition format. */
export function renderFamilies(families: readonly MetricFamily[]): string {
  return families
    .map((f) =>
      [
        `# HELP ${f.name} ${f.help}`,
        `# TYPE ${f.name} ${f.type}`,
        ...f.samples.map((s) => {
          const key = labelKey(s.labels ?? {});
          return `${f.name}${key ? `{${key}}` : ""} ${s.value}`;
        }),
      ].join("\n"),
    )
    .join("\n");
}

/** Latency buckets in seconds, from sub-millisecond local calls to slow model calls. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The process-wide registry every feature records into. */
export const metrics = {
  httpRequests: new Counter("edgerag_http_requests_total", "HTTP requests by method, route and status."),
  httpDuration: new Histogram(
    "edgerag_http_request_duration_seconds",
    "HTTP request latency by method and route.",
    LATENCY_BUCKETS,
  ),
  /** Extra registries (providers, ingestion, search) append here so /metrics renders them. */
  extra: [] as { render(): string }[],
};

/** The whole registry in Prometheus text format (without scrape-time gauges). */
export function renderMetrics(): string {
  return [metrics.httpRequests, metrics.httpDuration, ...metrics.extra].map((m) => m.render()).join("\n");
}
