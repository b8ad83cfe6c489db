/**
 * A small Prometheus-text metrics registry shared by the modules of one process (cloudcore, edgecore).
 * Counters and gauges with labels; `render()` gives the text exposition format served on /metrics.
 */

export type Labels = Readonly<Record<string, string>>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',');
}

abstract class Metric {
  protected readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
  ) {}

  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }

  /** Sum over every label set. */
  total(): number {
    let sum = 0;
    for (const v of this.values.values()) sum += v;
    return sum;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    if (this.values.size === 0 && this.type === 'counter') lines.push(`${this.name} 0`);
    for (const [key, value] of this.values) lines.push(key === '' ? `${this.name} ${value}` : `${this.name}{${key}} ${value}`);
    return lines.join('\n');
  }
}

export class Counter extends Metric {
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
}

export class Gauge extends Metric {
  constructor(name: string, help: string) {
    super(name, help, 'gauge');
  }

  set(value: number, labels: Labels = {}): void {
    this.values.set(labelKey(labels), value);
  }

  add(by: number, labels: Labels = {}): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
}

/** One per process; modules register their metrics on it by name (the same name returns the same metric). */
export class MetricsRegistry {
  readonly #metrics = new Map<string, Metric>();

  counter(name: string, help: string): Counter {
    const found = this.#metrics.get(name);
    if (found instanceof Counter) return found;
    if (found !== undefined) throw new Error(`metric ${name} is already registered as a ${found.type}`);
    const c = new Counter(name, help);
    this.#metrics.set(name, c);
    return c;
  }

  gauge(name: string, help: string): Gauge {
    const found = this.#metrics.get(name);
    if (found instanceof Gauge) return found;
    if (found !== undefined) throw new Error(`metric ${name} is already registered as a ${found.type}`);
    const g = new Gauge(name, help);
    this.#metrics.set(name, g);
    return g;
  }

  /** Prometheus text exposition format (version 0.0.4). */
  render(): string {
    return [...this.#metrics.values()].map((m) => m.render()).join('\n') + '\n';
  }
}
export { serveMetrics } from './server.js';
