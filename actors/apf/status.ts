// A FlowSchema's status, as kube's APF configuration controller writes it:
// one condition, Dangling, saying whether the priority level it names exists.

import type { KubeObject } from '../../protocol/kube/meta.js';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime: string;
}

/** The FlowSchema with its Dangling condition brought up to date, or undefined when it already is. */
export function danglingCondition(schema: KubeObject, level: string, levelExists: boolean, now: number): KubeObject | undefined {
  const wanted = levelExists
    ? { status: 'False', reason: 'Found', message: `This FlowSchema references the PriorityLevelConfiguration object named "${level}" and it exists` }
    : { status: 'True', reason: 'NotFound', message: `This FlowSchema references the PriorityLevelConfiguration object named "${level}" but there is no such object` };
  const status = ((schema as { status?: { conditions?: Condition[] } }).status ?? {}) as { conditions?: Condition[] };
  const conditions = status.conditions ?? [];
  const current = conditions.find((c) => c.type === 'Dangling');
  if (current && current.status === wanted.status && current.reason === wanted.reason && current.message === wanted.message) return undefined;
  const lastTransitionTime = current && current.status === wanted.status ? current.lastTransitionTime : new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const condition: Condition = { type: 'Dangling', ...wanted, lastTransitionTime };
  return { ...schema, status: { ...status, conditions: [...conditions.filter((c) => c.type !== 'Dangling'), condition] } } as KubeObject;
}
