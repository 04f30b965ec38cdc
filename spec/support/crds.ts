// CustomResourceDefinitions the specs and benches use: a CronTab-like operator
// kind (namespaced, nested spec, status and scale, printer columns, defaults,
// two versions) and a cluster-scoped one.

export function cronTabCrd(group: string, extra: { plural?: string; kind?: string } = {}): Record<string, unknown> {
  const plural = extra.plural ?? 'crontabs';
  const kind = extra.kind ?? 'CronTab';
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural, singular: kind.toLowerCase(), kind, shortNames: [`${plural.slice(0, 2)}x`] },
      versions: [
        {
          name: 'v1', served: true, storage: true,
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
          additionalPrinterColumns: [
            { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule' },
            { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
            { name: 'Last', type: 'date', jsonPath: '.status.lastScheduleTime' },
          ],
          selectableFields: [{ jsonPath: '.spec.image' }],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['schedule'],
                  properties: {
                    schedule: { type: 'string', pattern: '^(\\S+\\s+){4}\\S+$', 'x-kubernetes-validations': [{ rule: "self != '* * * * *'", message: 'every minute is too often' }] },
                    image: { type: 'string', default: 'busybox', 'x-kubernetes-validations': [{ rule: "self == oldSelf || oldSelf == 'busybox'", message: 'image cannot change once set' }] },
                    replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
                    suspend: { type: 'boolean' },
                    concurrencyPolicy: { type: 'string', enum: ['Allow', 'Forbid', 'Replace'], default: 'Allow' },
                    jobTemplate: {
                      type: 'object',
                      properties: { containers: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, image: { type: 'string' } } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] } },
                    },
                    port: { 'x-kubernetes-int-or-string': true },
                    extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  },
                },
                status: {
                  type: 'object',
                  properties: { replicas: { type: 'integer' }, selector: { type: 'string' }, lastScheduleTime: { type: 'string', format: 'date-time' }, active: { type: 'array', items: { type: 'string' } } },
                },
              },
            },
          },
        },
        { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
      ],
    },
  };
}

export function clusterCrd(group: string): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Cluster',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { size: { type: 'integer', default: 3 } } } } }],
    },
  };
}

export function cronTab(group: string, name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: `${group}/v1`, kind: 'CronTab', metadata: { name }, spec: { schedule: '*/5 * * * *', ...spec } };
}
