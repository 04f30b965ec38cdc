// Parses and validates kube's ListOptions from the query, with kube's errors.

import { queryFlag } from '../../protocol/kube/query.js';
import { invalid, badRequest, type Status, type StatusCause } from '../../protocol/kube/status.js';
import { parseLabelSelector, type LabelSelector } from './label-selector.js';
import { DEFAULT_SELECTABLE_FIELDS, parseFieldSelector, type FieldSelector } from './field-selector.js';
import type { KindDescription } from '../../scheme/kind-description.js';

export interface ListOptions {
  labels: LabelSelector | undefined;
  fields: FieldSelector | undefined;
  resourceVersion: string | undefined;
  resourceVersionMatch: 'NotOlderThan' | 'Exact' | undefined;
  limit: number;
  continueToken: string | undefined;
  timeoutSeconds: number | undefined;
  allowWatchBookmarks: boolean;
  sendInitialEvents: boolean | undefined;
}

const forbidden = (field: string, message: string): StatusCause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${message}` });

function listOptionCauses(query: Record<string, string>, rvm: string | undefined, sendInitialEvents: boolean | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  if (rvm) {
    if (!query.resourceVersion) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (query.continue) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (rvm !== 'NotOlderThan' && rvm !== 'Exact') {
      causes.push({ reason: 'FieldValueNotSupported', field: 'resourceVersionMatch', message: `Unsupported value: "${rvm}": supported values: "Exact", "NotOlderThan", ""` });
    }
    if (rvm === 'Exact' && query.resourceVersion === '0') causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (sendInitialEvents !== undefined) causes.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  return causes;
}

/** client-go's watch-list sends sendInitialEvents with resourceVersionMatch=NotOlderThan, and often no resourceVersion. */
function watchOptionCauses(query: Record<string, string>, rvm: string | undefined, sendInitialEvents: boolean | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  if (sendInitialEvents !== undefined && rvm !== 'NotOlderThan') {
    causes.push(forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
  }
  if (rvm) {
    if (sendInitialEvents === undefined) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    if (rvm !== 'NotOlderThan') causes.push({ reason: 'FieldValueNotSupported', field: 'resourceVersionMatch', message: `Unsupported value: "${rvm}": supported values: "NotOlderThan"` });
    if (query.continue) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
  }
  return causes;
}

/** `selectable`: the fields beyond metadata.name and namespace a field selector may name, with how to read each (KindDescription.selectableFields). */
export function parseListOptions(query: Record<string, string>, watch: boolean, selectable?: KindDescription['selectableFields']): { ok: true; options: ListOptions } | { ok: false; status: Status } {
  let labels: LabelSelector | undefined;
  if (query.labelSelector) {
    const parsed = parseLabelSelector(query.labelSelector);
    if ('error' in parsed) return { ok: false, status: badRequest(parsed.error) };
    labels = parsed;
  }
  let fields: FieldSelector | undefined;
  if (query.fieldSelector) {
    const parsed = parseFieldSelector(query.fieldSelector, selectable ? { fields: [...DEFAULT_SELECTABLE_FIELDS, ...Object.keys(selectable)] } : {});
    if ('error' in parsed) return { ok: false, status: badRequest(parsed.error) };
    fields = parsed;
    for (const requirement of fields) if (selectable?.[requirement.field]) requirement.read = selectable[requirement.field];
  }
  const rvm = query.resourceVersionMatch;
  const sendInitialEvents = query.sendInitialEvents === undefined ? undefined : queryFlag(query, 'sendInitialEvents');
  // kube's ValidateListOptions: a watch and a list are checked by different rules.
  const causes = watch ? watchOptionCauses(query, rvm, sendInitialEvents) : listOptionCauses(query, rvm, sendInitialEvents);
  const limit = query.limit ? Number(query.limit) : 0;
  if (!Number.isInteger(limit) || limit < 0) causes.push({ reason: 'FieldValueInvalid', field: 'limit', message: `Invalid value: "${query.limit}": must be a non-negative integer` });
  const timeoutSeconds = query.timeoutSeconds ? Number(query.timeoutSeconds) : undefined;
  if (timeoutSeconds !== undefined && (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0)) {
    causes.push({ reason: 'FieldValueInvalid', field: 'timeoutSeconds', message: `Invalid value: "${query.timeoutSeconds}": must be a non-negative integer` });
  }
  if (causes.length > 0) return { ok: false, status: invalid('ListOptions', 'meta.k8s.io', '', causes) };
  return {
    ok: true,
    options: {
      labels,
      fields,
      resourceVersion: query.resourceVersion || undefined,
      resourceVersionMatch: (rvm || undefined) as ListOptions['resourceVersionMatch'],
      limit,
      continueToken: query.continue || undefined,
      timeoutSeconds,
      allowWatchBookmarks: queryFlag(query, 'allowWatchBookmarks'),
      sendInitialEvents,
    },
  };
}

/** A continue token: opaque to clients, like kube's, it names the list's revision and the last key served. */
export function encodeContinue(revision: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: revision, start: lastKey })).toString('base64url');
}

export function decodeContinue(token: string): { revision: number; lastKey: string } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: string; rv?: number; start?: string };
    if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string') return undefined;
    return { revision: parsed.rv, lastKey: parsed.start };
  } catch {
    return undefined;
  }
}
