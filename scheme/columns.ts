// Cells shared by many kinds' Table columns, with kube's formatting.

import type { KubeObject } from '../protocol/kube/meta.js';
import type { ColumnSpec } from './kind-description.js';

/** kube's duration.HumanDuration: the AGE column's wording. */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.floor(milliseconds / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

let clockReads = 0;

/**
 * The time a cell is computed at. Cells read the clock only through here, so that the Table row
 * cache (actors/store/table.ts) can tell the cells that change with time alone from those that
 * change only when their object does.
 */
export function cellClock(): number {
  clockReads++;
  return Date.now();
}

/** How many times cells have read the clock so far. */
export function cellClockReads(): number {
  return clockReads;
}

export function ageOf(timestamp: unknown, now = cellClock()): string {
  return ageSince(timeOf(timestamp), now);
}

/** A timestamp in milliseconds; NaN when it is not one. */
export function timeOf(timestamp: unknown): number {
  return typeof timestamp === 'string' ? Date.parse(timestamp) : NaN;
}

/** The AGE of something that began at `at` (milliseconds, NaN when unknown). */
export function ageSince(at: number, now: number): string {
  return Number.isNaN(at) ? '<unknown>' : humanDuration(now - at);
}

export const nameColumn: ColumnSpec = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  cell: (o) => o.metadata.name ?? '',
};

export const ageColumn: ColumnSpec = {
  name: 'Age',
  type: 'string',
  description: 'Time since the object was created.',
  cell: (o) => ageOf(o.metadata.creationTimestamp),
};

export const createdAtColumn: ColumnSpec = {
  name: 'Created At',
  type: 'date',
  description: 'When the object was created.',
  cell: (o) => o.metadata.creationTimestamp ?? null,
};

/** kube's default table for kinds without a printer. */
export const defaultColumns: readonly ColumnSpec[] = [nameColumn, createdAtColumn];

export function field(object: KubeObject, ...path: string[]): unknown {
  let current: unknown = object;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function countKeys(...maps: unknown[]): number {
  return maps.reduce<number>((n, m) => n + (m && typeof m === 'object' ? Object.keys(m).length : 0), 0);
}

interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

/**
 * kube's selector string of a metav1.LabelSelector (matchLabels and matchExpressions) or of a plain
 * map (a ReplicationController's, a Service's): requirements sorted by key, values sorted, `,` between.
 */
export function selectorString(selector: unknown): string {
  if (!selector || typeof selector !== 'object') return '';
  const s = selector as { matchLabels?: Record<string, string>; matchExpressions?: LabelSelectorRequirement[] };
  const isLabelSelector = 'matchLabels' in s || 'matchExpressions' in s;
  const labels = isLabelSelector ? (s.matchLabels ?? {}) : (selector as Record<string, string>);
  const parts: [string, string][] = Object.entries(labels).map(([k, v]) => [k, `${k}=${v}`]);
  for (const r of isLabelSelector ? (s.matchExpressions ?? []) : []) {
    const values = [...(r.values ?? [])].sort().join(',');
    const text = r.operator === 'In' ? `${r.key} in (${values})`
      : r.operator === 'NotIn' ? `${r.key} notin (${values})`
        : r.operator === 'Exists' ? r.key
          : r.operator === 'DoesNotExist' ? `!${r.key}` : `${r.key} ${r.operator} (${values})`;
    parts.push([r.key, text]);
  }
  return parts.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, t]) => t).join(',');
}
