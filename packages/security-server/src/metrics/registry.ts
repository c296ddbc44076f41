/**
 * A small Prometheus registry (text exposition format 0.0.4) the other modules increment through.
 * Label values come from callers (client ids, service ids): each metric keeps at most `maxSeries`
 * series, after which new label combinations are counted under `__overflow__` so a caller cannot
 * grow memory without bound.
 */
export type Labels = Readonly<Record<string, string>>;

export interface Counter {
  inc(labels?: Labels, value?: number): void;
}
export interface Gauge {
  set(labels: Labels, value: number): void;
  inc(labels?: Labels, value?: number): void;
}
export interface Histogram {
  observe(labels: Labels, value: number): void;
}

export interface MetricsRegistry {
  counter(def: { name: string; help: string; labelNames?: readonly string[] }): Counter;
  gauge(def: { name: string; help: string; labelNames?: readonly string[]; collect?: (set: (labels: Labels, value: number) => void) => void }): Gauge;
  histogram(def: { name: string; help: string; labelNames?: readonly string[]; buckets: readonly number[] }): Histogram;
  /** The exposition text (`Content-Type: text/plain; version=0.0.4`). */
  render(): string;
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const OVERFLOW = '__overflow__';

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  render(lines: string[]): void;
}

/**
 * @example
 * ```ts
 * const metrics = createMetricsRegistry();
 * const requests = metrics.counter({ name: 'tonle_requests_total', help: 'Requests', labelNames: ['service'] });
 * requests.inc({ service: 'EE/GOV/1234/sub/svc' });
 * reply.type(PROMETHEUS_CONTENT_TYPE).send(metrics.render());
 * ```
 */
export function createMetricsRegistry(options: { maxSeries?: number } = {}): MetricsRegistry {
  const maxSeries = options.maxSeries ?? 2000;
  const families = new Map<string, Family>();

  const checkDef = (name: string, help: string, labelNames: readonly string[]) => {
    if (!NAME.test(name)) throw new TypeError(`metric name "${name}" is not a Prometheus name`);
    if (families.has(name)) throw new TypeError(`metric ${name} is registered twice`);
    if (typeof help !== 'string') throw new TypeError(`metric ${name}: help must be a string`);
    for (const l of labelNames) if (!LABEL.test(l) || l.startsWith('__') || l === 'le') throw new TypeError(`metric ${name}: "${l}" is not a usable label name`);
  };

  /** Series key: label values in labelNames order; unknown or missing labels are a programming error. */
  const keyOf = (name: string, labelNames: readonly string[], labels: Labels | undefined, size: number, has: (k: string) => boolean): string => {
    const given = labels ?? {};
    for (const k of Object.keys(given)) if (!labelNames.includes(k)) throw new TypeError(`metric ${name} has no label "${k}"`);
    const values = labelNames.map((l) => {
      const v = given[l];
      if (typeof v !== 'string') throw new TypeError(`metric ${name}: label "${l}" needs a string value`);
      return v;
    });
    const key = JSON.stringify(values);
    if (!has(key) && size >= maxSeries) return JSON.stringify(labelNames.map(() => OVERFLOW));
    return key;
  };
  const labelText = (labelNames: readonly string[], key: string, extra?: [string, string]): string => {
    const values = JSON.parse(key) as string[];
    const pairs = labelNames.map((l, i) => `${l}="${escapeLabel(values[i] ?? '')}"`);
    if (extra !== undefined) pairs.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
    return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
  };
  const checkNumber = (name: string, v: number) => {
    if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`metric ${name}: value must be a number`);
  };

  return {
    counter({ name, help, labelNames = [] }) {
      checkDef(name, help, labelNames);
      const series = new Map<string, number>();
      families.set(name, {
        name,
        help,
        type: 'counter',
        render(lines) {
          for (const [k, v] of series) lines.push(`${name}${labelText(labelNames, k)} ${formatValue(v)}`);
        },
      });
      return {
        inc(labels, value = 1) {
          checkNumber(name, value);
          if (value < 0) throw new TypeError(`counter ${name} only goes up`);
          const key = keyOf(name, labelNames, labels, series.size, (k) => series.has(k));
          series.set(key, (series.get(key) ?? 0) + value);
        },
      };
    },
    gauge({ name, help, labelNames = [], collect }) {
      checkDef(name, help, labelNames);
      const series = new Map<string, number>();
      const set = (labels: Labels, value: number) => {
        checkNumber(name, value);
        series.set(keyOf(name, labelNames, labels, series.size, (k) => series.has(k)), value);
      };
      families.set(name, {
        name,
        help,
        type: 'gauge',
        render(lines) {
          if (collect !== undefined) {
            series.clear();
            try {
              collect(set);
            } catch {
              // a failing collector exports nothing rather than breaking the whole scrape
              series.clear();
            }
          }
          for (const [k, v] of series) lines.push(`${name}${labelText(labelNames, k)} ${formatValue(v)}`);
        },
      });
      return {
        set,
        inc(labels = {}, value = 1) {
          checkNumber(name, value);
          const key = keyOf(name, labelNames, labels, series.size, (k) => series.has(k));
          series.set(key, (series.get(key) ?? 0) + value);
        },
      };
    },
    histogram({ name, help, labelNames = [], buckets }) {
      checkDef(name, help, labelNames);
      const bounds = [...buckets].sort((a, b) => a - b);
      if (bounds.length === 0 || bounds.some((b) => !Number.isFinite(b))) throw new TypeError(`histogram ${name}: buckets must be finite numbers`);
      const series = new Map<string, { counts: number[]; sum: number; count: number }>();
      families.set(name, {
        name,
        help,
        type: 'histogram',
        render(lines) {
          for (const [k, s] of series) {
            let cumulative = 0;
            bounds.forEach((b, i) => {
              cumulative += s.counts[i] ?? 0;
              lines.push(`${name}_bucket${labelText(labelNames, k, ['le', formatValue(b)])} ${cumulative}`);
            });
            lines.push(`${name}_bucket${labelText(labelNames, k, ['le', '+Inf'])} ${s.count}`);
            lines.push(`${name}_sum${labelText(labelNames, k)} ${formatValue(s.sum)}`);
            lines.push(`${name}_count${labelText(labelNames, k)} ${s.count}`);
          }
        },
      });
      return {
        observe(labels, value) {
          checkNumber(name, value);
          const key = keyOf(name, labelNames, labels, series.size, (k) => series.has(k));
          let s = series.get(key);
          if (s === undefined) {
            s = { counts: bounds.map(() => 0), sum: 0, count: 0 };
            series.set(key, s);
          }
          const i = bounds.findIndex((b) => value <= b);
          if (i >= 0) s.counts[i] = (s.counts[i] ?? 0) + 1;
          s.sum += value;
          s.count += 1;
        },
      };
    },
    render() {
      const lines: string[] = [];
      for (const f of families.values()) {
        lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
        lines.push(`# TYPE ${f.name} ${f.type}`);
        f.render(lines);
      }
      return `${lines.join('\n')}\n`;
    },
  };
}
