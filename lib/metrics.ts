// kube-apiserver's Prometheus metrics, under kube's names and labels so that
// existing dashboards work, plus kubeactor's own per-actor figures.
//
// One registry per server (specs run several servers in one process). The
// listener records each request as it finishes into a table of series, found
// by nested look-ups on the label values the request already carries (no key
// string is built, nothing is allocated once a series exists: prom-client's
// labelled observe costs several times that per request); everything else is
// read when /metrics is scraped, from collectors the supervisor registers: the
// cost of a figure is paid by the scrape, not by the requests it describes.

import { Counter, Gauge, Registry, collectDefaultMetrics, type MetricValueWithName } from 'prom-client';
import type { RequestInfo } from '../protocol/messages/request.js';

/** kube's apiserver_request_duration_seconds buckets (k8s.io/apiserver/pkg/endpoints/metrics). */
const REQUEST_DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/** kube's etcd_request_duration_seconds buckets. */
const STORAGE_DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/**
 * A histogram kept by its owner as plain counts per series (the key: label values joined by NUL),
 * rendered when /metrics is scraped: one map look-up and a few additions per observation.
 */
export class BucketCounts {
  readonly series = new Map<string, { count: number; sum: number; buckets: number[] }>();

  constructor(readonly bounds: readonly number[]) {}

  observe(key: string, value: number): void {
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = { count: 0, sum: 0, buckets: new Array<number>(this.bounds.length + 1).fill(0) }));
    series.count++;
    series.sum += value;
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]!) bucket++;
    series.buckets[bucket]!++;
  }
}

/** kube's admission step and controller buckets, and its webhook buckets. */
const ADMISSION_BUCKETS = [0.005, 0.025, 0.1, 0.5, 1.0, 2.5];
const WEBHOOK_BUCKETS = [0.005, 0.025, 0.1, 0.5, 1.0, 2.5, 10, 25];

const bump = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);

/** apiserver_admission_*: kept by the admission actor and its webhook plugins, rendered when scraped. */
export class AdmissionMetrics {
  /** By `type\0operation\0rejected`, type admit (mutating) or validate. */
  readonly step = new BucketCounts(ADMISSION_BUCKETS);
  /** By `name\0type\0operation\0rejected`, one per plugin run. */
  readonly controller = new BucketCounts(ADMISSION_BUCKETS);
  /** By `name\0type\0operation\0rejected`, type admit or validating, as kube's dispatchers name them. */
  readonly webhook = new BucketCounts(WEBHOOK_BUCKETS);
  /** By `name\0type\0operation\0code\0rejected`. */
  readonly webhookRequests = new Map<string, number>();
  /** By `name\0type\0operation\0error_type\0rejection_code`. */
  readonly webhookRejections = new Map<string, number>();

  /** One webhook call (kube's ObserveWebhook, with ObserveWebhookRejection when it rejected the write). */
  observeWebhook(name: string, type: 'admit' | 'validating', operation: string, seconds: number, code: number, rejection: 'no_error' | 'calling_webhook_error' | 'apiserver_internal_error' | undefined): void {
    const rejected = rejection !== undefined;
    this.webhook.observe(`${name}\0${type}\0${operation}\0${rejected}`, seconds);
    bump(this.webhookRequests, `${name}\0${type}\0${operation}\0${Math.min(code, 600)}\0${rejected}`);
    if (rejection) bump(this.webhookRejections, `${name}\0${type}\0${operation}\0${rejection}\0${Math.min(code, 600)}`);
  }
}

/** What the listener knows of a request once it is answered (its own record of the request fits). */
export interface FinishedRequest {
  readonly method: string;
  readonly info: RequestInfo;
  /** The query's dryRun, as kube's dry_run label: '' or 'All'. */
  readonly dryRun: string;
  /** application/apply-patch+yaml: kube reports such a PATCH as APPLY. */
  readonly apply: boolean;
  readonly code: number;
}

/** A gauge's value set at scrape time, from whoever knows it. */
export type Collect = (set: (labels: Record<string, string>, value: number) => void) => void;

/** Collects a map of counts keyed by label values joined by NUL. */
export function byKey(counts: ReadonlyMap<string, number>, labelNames: readonly string[]): Collect {
  return (set) => {
    for (const [key, n] of counts) {
      const parts = key.split('\0');
      set(Object.fromEntries(labelNames.map((name, i) => [name, parts[i] ?? ''])), n);
    }
  };
}

/** kube's scope label: resource (one named object), namespace, cluster; empty for non-resource paths. */
export function scopeOf(info: RequestInfo): string {
  if (!info.isResourceRequest) return '';
  if (info.name) return 'resource';
  return info.namespace ? 'namespace' : 'cluster';
}

/** kube's reported verb: the HTTP method, LIST for a collection GET, WATCH for watches, APPLY for server-side apply. */
export function reportedVerb(method: string, info: RequestInfo, apply: boolean): string {
  if (!info.isResourceRequest) return method === 'HEAD' ? 'GET' : method;
  if (info.verb === 'watch') return 'WATCH';
  if (info.verb === 'list') return 'LIST';
  if (method === 'PATCH' && apply) return 'APPLY';
  if (method === 'HEAD') return 'GET';
  return method;
}

/** The labels kube puts on every request metric: verb, group, version, resource, subresource, scope, component. */
export function requestLabels(method: string, info: RequestInfo, apply: boolean): Record<string, string> {
  return {
    verb: reportedVerb(method, info, apply),
    group: info.isResourceRequest ? info.apiGroup : '',
    version: info.isResourceRequest ? info.apiVersion : '',
    resource: info.isResourceRequest ? info.resource : '',
    subresource: info.isResourceRequest ? info.subresource : '',
    scope: scopeOf(info),
    component: 'apiserver',
  };
}

/**
 * The request series by label value, one level per label: verb, dry_run, group, version, resource,
 * subresource, scope (a non-resource request stops after dry_run), then the code at the last level.
 */
interface SeriesNode {
  readonly next: Map<string, SeriesNode>;
  readonly byCode: Map<number, RequestSeries>;
}

const seriesNode = (): SeriesNode => ({ next: new Map(), byCode: new Map() });

/** The node under `value`, made when first needed. */
function under(node: SeriesNode, value: string): SeriesNode {
  let next = node.next.get(value);
  if (next === undefined) node.next.set(value, (next = seriesNode()));
  return next;
}

/** One request series: its labels (code aside), and what the listener counted of it. */
interface RequestSeries {
  labels: Record<string, string>;
  code: string;
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative), the last for +Inf. */
  buckets: number[];
}

export class ServerMetrics {
  readonly registry = new Registry();
  /** Every request series, in the order first seen; `seriesTree` finds one by its labels. */
  private readonly series: RequestSeries[] = [];
  private readonly seriesTree = seriesNode();
  /** etcd_request_duration_seconds (and etcd_requests_total), by `operation\0type`, for either backend. */
  readonly storageRequests = new BucketCounts(STORAGE_DURATION_BUCKETS);
  /** etcd_request_errors_total, by `operation\0type`. */
  readonly storageErrors = new Map<string, number>();
  /** kubernetes_healthchecks_total, by `name\0type\0status`: counted each time /metrics/slis runs the checks. */
  readonly healthcheckTotals = new Map<string, number>();
  readonly admission = new AdmissionMetrics();

  constructor() {
    // Written at scrape time from the series the listener counted.
    this.registry.registerMetric(this.requestFamily('apiserver_request_total', 'counter',
      'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.', (series) => this.requestTotals(series)) as never);
    this.registry.registerMetric(this.requestFamily('apiserver_request_duration_seconds', 'histogram',
      'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.', (series) => this.requestDurations(series)) as never);
    this.histogram('etcd_request_duration_seconds', '[ALPHA] Etcd request latency in seconds for each operation and object type.', ['operation', 'type'], () => this.storageRequests);
    this.counter('etcd_requests_total', '[ALPHA] Etcd request counts for each operation and object type.', ['operation', 'type'], (add) => {
      for (const [key, { count }] of this.storageRequests.series) {
        const [operation = '', type = ''] = key.split('\0');
        add({ operation, type }, count);
      }
    });
    this.counter('etcd_request_errors_total', '[ALPHA] Etcd failed request counts for each operation and object type.', ['operation', 'type'], byKey(this.storageErrors, ['operation', 'type']));
    collectDefaultMetrics({ register: this.registry });
    const admission = this.admission;
    this.histogram('apiserver_admission_step_admission_duration_seconds', '[STABLE] Admission sub-step latency histogram in seconds, broken out for each operation and API resource and step type (validate or admit).', ['type', 'operation', 'rejected'], () => admission.step);
    this.histogram('apiserver_admission_controller_admission_duration_seconds', '[STABLE] Admission controller latency histogram in seconds, identified by name and broken out for each operation and API resource and type (validate or admit).', ['name', 'type', 'operation', 'rejected'], () => admission.controller);
    this.histogram('apiserver_admission_webhook_admission_duration_seconds', '[STABLE] Admission webhook latency histogram in seconds, identified by name and broken out for each operation and API resource and type (validate or admit).', ['name', 'type', 'operation', 'rejected'], () => admission.webhook);
    this.counter('apiserver_admission_webhook_request_total', '[ALPHA] Admission webhook request total, identified by name and broken out for each admission type (validating or admit) and operation. Additional labels specify whether the request was rejected or not and an HTTP status code. Codes greater than 600 are truncated to 600, to keep the metrics cardinality bounded.',
      ['name', 'type', 'operation', 'code', 'rejected'], byKey(admission.webhookRequests, ['name', 'type', 'operation', 'code', 'rejected']));
    this.counter('apiserver_admission_webhook_rejection_count', '[ALPHA] Admission webhook rejection count, identified by name and broken out for each admission type (validating or admit) and operation. Additional labels specify an error type (calling_webhook_error or apiserver_internal_error if an error occurred; no_error otherwise) and optionally a non-zero rejection code if the webhook rejects the request with an HTTP status code (honored by the apiserver when the code is greater or equal to 400). Codes greater than 600 are truncated to 600, to keep the metrics cardinality bounded.',
      ['name', 'type', 'operation', 'error_type', 'rejection_code'], byKey(admission.webhookRejections, ['name', 'type', 'operation', 'error_type', 'rejection_code']));
  }

  /** The listener, once per answered request or ended stream, `seconds` after it came. */
  observeRequest(r: FinishedRequest, seconds: number): void {
    const info = r.info;
    let node = under(under(this.seriesTree, reportedVerb(r.method, info, r.apply)), r.dryRun);
    if (info.isResourceRequest) {
      node = under(under(under(under(under(node, info.apiGroup), info.apiVersion), info.resource), info.subresource), info.name ? 'resource' : info.namespace ? 'namespace' : 'cluster');
    }
    let series = node.byCode.get(r.code);
    if (series === undefined) {
      series = { labels: { ...requestLabels(r.method, info, r.apply), dry_run: r.dryRun }, code: String(r.code), count: 0, sum: 0, buckets: new Array<number>(REQUEST_DURATION_BUCKETS.length + 1).fill(0) };
      node.byCode.set(r.code, series);
      this.series.push(series);
    }
    series.count++;
    series.sum += seconds;
    let bucket = 0;
    while (bucket < REQUEST_DURATION_BUCKETS.length && seconds > REQUEST_DURATION_BUCKETS[bucket]!) bucket++;
    series.buckets[bucket]!++;
  }

  /** A family prom-client renders from values computed when scraped. */
  private requestFamily(name: string, type: 'counter' | 'histogram', help: string, values: (series: RequestSeries[]) => MetricValueWithName<string>[]): object {
    return this.family(name, type, help, () => values(this.series));
  }

  private family(name: string, type: 'counter' | 'histogram', help: string, values: () => MetricValueWithName<string>[]): object {
    return {
      name, help, type, aggregator: 'sum',
      get: () => ({ name, help, type, aggregator: 'sum', values: values() }),
      reset: (): void => undefined,
    };
  }

  private requestTotals(all: RequestSeries[]): MetricValueWithName<string>[] {
    return all.map((s) => ({ labels: { ...s.labels, code: s.code }, value: s.count }));
  }

  /** Histogram series by labels without code, as kube's apiserver_request_duration_seconds has no code label. */
  private requestDurations(all: RequestSeries[]): MetricValueWithName<string>[] {
    const merged = new Map<string, { labels: Record<string, string>; count: number; sum: number; buckets: number[] }>();
    for (const s of all) {
      const key = Object.values(s.labels).join('\0');
      const into = merged.get(key) ?? { labels: s.labels, count: 0, sum: 0, buckets: new Array<number>(s.buckets.length).fill(0) };
      into.count += s.count;
      into.sum += s.sum;
      s.buckets.forEach((n, i) => (into.buckets[i]! += n));
      merged.set(key, into);
    }
    const values: MetricValueWithName<string>[] = [];
    for (const { labels, count, sum, buckets } of merged.values()) {
      let cumulative = 0;
      buckets.forEach((n, i) => {
        cumulative += n;
        const le = i < REQUEST_DURATION_BUCKETS.length ? String(REQUEST_DURATION_BUCKETS[i]) : '+Inf';
        values.push({ metricName: 'apiserver_request_duration_seconds_bucket', labels: { ...labels, le }, value: cumulative });
      });
      values.push({ metricName: 'apiserver_request_duration_seconds_sum', labels, value: sum });
      values.push({ metricName: 'apiserver_request_duration_seconds_count', labels, value: count });
    }
    return values;
  }

  /** A histogram rendered at scrape time from the counts its owner keeps (undefined: none yet). */
  histogram(name: string, help: string, labelNames: readonly string[], counts: () => BucketCounts | undefined): void {
    const values = (): MetricValueWithName<string>[] => {
      const source = counts();
      if (!source) return [];
      const out: MetricValueWithName<string>[] = [];
      for (const [key, { count, sum, buckets }] of source.series) {
        const parts = key.split('\0');
        const labels = Object.fromEntries(labelNames.map((n, i) => [n, parts[i] ?? '']));
        let cumulative = 0;
        buckets.forEach((n, i) => {
          cumulative += n;
          out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: i < source.bounds.length ? String(source.bounds[i]) : '+Inf' }, value: cumulative });
        });
        out.push({ metricName: `${name}_sum`, labels, value: sum });
        out.push({ metricName: `${name}_count`, labels, value: count });
      }
      return out;
    };
    this.registry.registerMetric(this.family(name, 'histogram', help, values) as never);
  }

  /** A gauge whose values are read at scrape time. */
  gauge(name: string, help: string, labelNames: string[], collect: Collect): void {
    new Gauge({ ...this.scraped(name, help, labelNames), collect() { this.reset(); collect((labels, value) => this.set(labels, value)); } });
  }

  /** A counter whose running total is read at scrape time (kept by its owner, which only adds to it). */
  counter(name: string, help: string, labelNames: string[], collect: Collect): void {
    new Counter({ ...this.scraped(name, help, labelNames), collect() { this.reset(); collect((labels, value) => this.inc(labels, value)); } });
  }

  private scraped(name: string, help: string, labelNames: string[]): { name: string; help: string; labelNames: string[]; registers: Registry[] } {
    return { name, help, labelNames, registers: [this.registry] };
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
