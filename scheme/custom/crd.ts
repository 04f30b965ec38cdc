// apiextensions.k8s.io/v1 CustomResourceDefinition as the server reads it:
// the fields every part of the apiextensions server looks at, and the small
// questions asked of a CRD (its storage version, a condition, its key).

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { JSONSchemaProps as CelSchemaProps } from '../../lib/cel/validation.js';

/**
 * An OpenAPI v3 schema as a CRD carries it (JSONSchemaProps): lib/cel's view of it, which names what
 * the CEL rules need, and the validation keywords the structural checks read besides.
 */
export interface JSONSchemaProps extends CelSchemaProps {
  type?: string;
  format?: string;
  default?: unknown;
  maximum?: number;
  minimum?: number;
  exclusiveMaximum?: boolean;
  exclusiveMinimum?: boolean;
  multipleOf?: number;
  minLength?: number;
  pattern?: string;
  minItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  $ref?: string;
  id?: string;
}

export type { ValidationRule } from '../../lib/cel/validation.js';

export interface CrdNames {
  plural: string;
  singular?: string;
  kind: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: { status?: object; scale?: ScaleSubresource };
  additionalPrinterColumns?: PrinterColumn[];
  selectableFields?: { jsonPath: string }[];
}

export interface CrdCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface WebhookClientConfig {
  url?: string;
  service?: { namespace: string; name: string; path?: string; port?: number };
  caBundle?: string;
}

export interface CrdSpec {
  group: string;
  names: CrdNames;
  scope: 'Namespaced' | 'Cluster';
  versions: CrdVersion[];
  conversion?: { strategy: 'None' | 'Webhook'; webhook?: { clientConfig?: WebhookClientConfig; conversionReviewVersions?: string[] } };
  preserveUnknownFields?: boolean;
}

export interface CustomResourceDefinition extends KubeObject {
  spec: CrdSpec;
  status?: { conditions?: CrdCondition[]; acceptedNames?: CrdNames; storedVersions?: string[] };
}

export const CRD_GROUP = 'apiextensions.k8s.io';
export const CRD_RESOURCE = 'customresourcedefinitions';
/** The finalizer under which the CRD controller deletes every custom resource before the CRD goes. */
export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export const storageVersionOf = (crd: CustomResourceDefinition): CrdVersion | undefined => crd.spec.versions.find((v) => v.storage);

export const conditionOf = (crd: CustomResourceDefinition, type: string): CrdCondition | undefined => crd.status?.conditions?.find((c) => c.type === type);

/** A CRD as it is served: under the names it was accepted with. */
export function crdWithAcceptedNames(crd: CustomResourceDefinition): CustomResourceDefinition {
  const names = crd.status?.acceptedNames;
  return names ? { ...crd, spec: { ...crd.spec, names } } : crd;
}

export const isEstablished = (crd: CustomResourceDefinition): boolean => conditionOf(crd, 'Established')?.status === 'True';

/** kube's `reversed group`: the prefix of a custom resource's OpenAPI definition names (com.example.stable.v1.CronTab). */
export function definitionName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/** The patch types a custom resource takes, as kube's CRD handler lists them: no strategic merge patch. */
export const CUSTOM_RESOURCE_PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'] as const;
