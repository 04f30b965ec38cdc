// autoscaling/v1 HorizontalPodAutoscaler ↔ autoscaling/v2, as kube converts
// them (pkg/apis/autoscaling/v1 conversion): kube stores v2, and v1 carries
// what it has no field for in annotations. v1's targetCPUUtilizationPercentage
// is v2's cpu Resource metric at an Utilization target; every other metric,
// the behavior, the current metrics and the conditions travel in the
// `autoscaling.alpha.kubernetes.io/*` annotations.

type Obj = Record<string, unknown>;

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
const ANNOTATIONS = [METRICS_ANNOTATION, BEHAVIOR_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION];

const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

const isCpuUtilization = (m: Obj): boolean => m.type === 'Resource' && obj(m.resource).name === 'cpu' && obj(obj(m.resource).target).type === 'Utilization';

function parseAnnotation(annotations: Obj, name: string): unknown {
  const text = annotations[name];
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A v1 HorizontalPodAutoscaler as the v2 object kube stores. */
export function hpaV1ToV2(v1: Obj): Obj {
  const metadata = { ...obj(v1.metadata) };
  const annotations = { ...obj(metadata.annotations) };
  const spec = obj(v1.spec);
  const status = obj(v1.status);
  const metrics = list(parseAnnotation(annotations, METRICS_ANNOTATION));
  if (typeof spec.targetCPUUtilizationPercentage === 'number') {
    metrics.unshift({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  const behavior = parseAnnotation(annotations, BEHAVIOR_ANNOTATION);
  const currentMetrics = list(parseAnnotation(annotations, CURRENT_METRICS_ANNOTATION));
  if (typeof status.currentCPUUtilizationPercentage === 'number') {
    currentMetrics.unshift({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } });
  }
  const conditions = parseAnnotation(annotations, CONDITIONS_ANNOTATION);
  for (const name of ANNOTATIONS) delete annotations[name];
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  const v2Spec: Obj = { scaleTargetRef: spec.scaleTargetRef, maxReplicas: spec.maxReplicas };
  if (spec.minReplicas !== undefined) v2Spec.minReplicas = spec.minReplicas;
  if (metrics.length > 0) v2Spec.metrics = metrics;
  if (behavior !== undefined) v2Spec.behavior = behavior;
  const v2Status: Obj = {};
  for (const field of ['observedGeneration', 'lastScaleTime', 'currentReplicas', 'desiredReplicas']) if (status[field] !== undefined) v2Status[field] = status[field];
  if (currentMetrics.length > 0) v2Status.currentMetrics = currentMetrics;
  if (Array.isArray(conditions)) v2Status.conditions = conditions;
  const out: Obj = { ...v1, apiVersion: 'autoscaling/v2', metadata, spec: v2Spec };
  if (v1.status !== undefined) out.status = v2Status;
  return out;
}

/** The v2 object kube stores, as a v1 client reads it. */
export function hpaV2ToV1(v2: Obj): Obj {
  const metadata = { ...obj(v2.metadata) };
  const annotations = { ...obj(metadata.annotations) };
  const spec = obj(v2.spec);
  const status = obj(v2.status);
  const metrics = list(spec.metrics);
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => m !== cpu);
  if (others.length > 0) annotations[METRICS_ANNOTATION] = JSON.stringify(others);
  if (spec.behavior !== undefined) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);
  const current = list(status.currentMetrics);
  const currentCpu = current.find((m) => m.type === 'Resource' && obj(m.resource).name === 'cpu' && obj(obj(m.resource).current).averageUtilization !== undefined);
  const otherCurrent = current.filter((m) => m !== currentCpu);
  if (otherCurrent.length > 0) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(otherCurrent);
  if (Array.isArray(status.conditions) && status.conditions.length > 0) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(status.conditions);
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  const v1Spec: Obj = { scaleTargetRef: spec.scaleTargetRef };
  if (spec.minReplicas !== undefined) v1Spec.minReplicas = spec.minReplicas;
  v1Spec.maxReplicas = spec.maxReplicas;
  if (cpu) v1Spec.targetCPUUtilizationPercentage = obj(obj(cpu.resource).target).averageUtilization;
  const v1Status: Obj = {};
  for (const field of ['observedGeneration', 'lastScaleTime', 'currentReplicas', 'desiredReplicas']) if (status[field] !== undefined) v1Status[field] = status[field];
  v1Status.currentReplicas ??= 0;
  v1Status.desiredReplicas ??= 0;
  if (currentCpu) v1Status.currentCPUUtilizationPercentage = obj(obj(currentCpu.resource).current).averageUtilization;
  const out: Obj = { ...v2, apiVersion: 'autoscaling/v1', metadata, spec: v1Spec };
  if (v2.status !== undefined) out.status = v1Status;
  return out;
}

/** A v2 document (an object, a list, a watch event) rewritten for v1 readers; anything else as it is. */
export function documentToV1(doc: Obj): Obj {
  if (doc.kind === 'HorizontalPodAutoscaler' && doc.apiVersion === 'autoscaling/v2') return hpaV2ToV1(doc);
  if (doc.kind === 'HorizontalPodAutoscalerList' && doc.apiVersion === 'autoscaling/v2') return { ...doc, apiVersion: 'autoscaling/v1', items: list(doc.items).map(hpaV2ToV1) };
  if (typeof doc.type === 'string' && doc.object !== undefined) return { ...doc, object: documentToV1(obj(doc.object)) };
  if (doc.kind === 'Table') return { ...doc, rows: list(doc.rows).map((row) => (row.object ? { ...row, object: documentToV1(obj(row.object)) } : row)) };
  return doc;
}
