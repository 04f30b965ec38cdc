// kube's structured authorization configuration (--authorization-config,
// apiserver.config.k8s.io v1 / v1beta1 AuthorizationConfiguration): an ordered
// list of authorizers (Node, RBAC, Webhook, AlwaysAllow, AlwaysDeny), each
// named; a Webhook carries its kubeconfig file, timeout, cache TTLs, review
// version, failurePolicy and CEL matchConditions over `request`. It replaces
// --authorization-mode and the --authorization-webhook-* flags. A problem is
// one line naming the field, in kube's `field: Required value` style.

import { readFileSync } from 'node:fs';
import { yaml } from '../../lib/lazy-yaml.js';
import { parseDuration } from '../supervisor/options.js';
import { compileExpression, type Program } from '../../lib/cel/compile.js';
import { kubeEnvironment } from '../../lib/cel/environment.js';
import { readWebhookKubeconfig, WebhookConfigError } from '../../lib/webhook-kubeconfig.js';
import type { WebhookClientConfig } from '../../lib/webhook-client.js';
import type { AuthorizationMode } from './decide.js';
import type { WebhookAuthorizerOptions } from './webhook.js';

export class AuthorizationConfigError extends Error {}

export interface ConfiguredAuthorizer {
  mode: AuthorizationMode;
  name: string;
  webhook?: { config: WebhookClientConfig; options: WebhookAuthorizerOptions };
}

const TYPES = new Set(['Node', 'RBAC', 'Webhook', 'AlwaysAllow', 'AlwaysDeny']);
const VERSIONS = new Set(['apiserver.config.k8s.io/v1alpha1', 'apiserver.config.k8s.io/v1beta1', 'apiserver.config.k8s.io/v1']);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function duration(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined) throw new AuthorizationConfigError(`${field}: Invalid value: ${JSON.stringify(value)}: must be a duration`);
  return ms;
}

function condition(expression: unknown, field: string): Program {
  if (typeof expression !== 'string' || expression === '') throw new AuthorizationConfigError(`${field}: Required value`);
  const env = kubeEnvironment();
  env.registerVariable('request', 'dyn');
  const compiled = compileExpression(env, expression, new Map([['request', { maxElements: 0 }]]));
  if ('error' in compiled) throw new AuthorizationConfigError(`${field}: Invalid value: ${JSON.stringify(expression)}: compilation failed: ${compiled.error.split('\n')[0]}`);
  return compiled.program;
}

function webhookOf(value: unknown, at: string, name: string): ConfiguredAuthorizer['webhook'] {
  if (!isObject(value)) throw new AuthorizationConfigError(`${at}.webhook: Required value: required when type=Webhook`);
  const info = value.connectionInfo;
  if (!isObject(info) || info.type !== 'KubeConfigFile' || typeof info.kubeConfigFile !== 'string') {
    throw new AuthorizationConfigError(`${at}.webhook.connectionInfo: Invalid value: only type KubeConfigFile with a kubeConfigFile is supported`);
  }
  let config: WebhookClientConfig;
  try {
    config = readWebhookKubeconfig(`${at}.webhook.connectionInfo.kubeConfigFile`, info.kubeConfigFile);
  } catch (e) {
    if (e instanceof WebhookConfigError) throw new AuthorizationConfigError(e.message);
    throw e;
  }
  const version = value.subjectAccessReviewVersion;
  if (version !== 'v1' && version !== 'v1beta1') throw new AuthorizationConfigError(`${at}.webhook.subjectAccessReviewVersion: Required value`);
  const failurePolicy = value.failurePolicy;
  if (failurePolicy !== 'NoOpinion' && failurePolicy !== 'Deny') throw new AuthorizationConfigError(`${at}.webhook.failurePolicy: Required value`);
  const conditions = Array.isArray(value.matchConditions) ? value.matchConditions : [];
  return {
    config,
    options: {
      name, version, failurePolicy,
      timeoutMs: duration(value.timeout, `${at}.webhook.timeout`, 30_000),
      authorizedTtlMs: duration(value.authorizedTTL, `${at}.webhook.authorizedTTL`, 300_000),
      unauthorizedTtlMs: duration(value.unauthorizedTTL, `${at}.webhook.unauthorizedTTL`, 30_000),
      matchConditions: conditions.map((c, i) => condition(isObject(c) ? c.expression : undefined, `${at}.webhook.matchConditions[${i}].expression`)),
    },
  };
}

export function readAuthorizationConfig(path: string): ConfiguredAuthorizer[] {
  let doc: unknown;
  try {
    doc = yaml().parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new AuthorizationConfigError(`--authorization-config ${path}: ${((e as NodeJS.ErrnoException).code ?? (e as Error).message).split('\n')[0]}`);
  }
  if (!isObject(doc) || doc.kind !== 'AuthorizationConfiguration' || !VERSIONS.has(String(doc.apiVersion))) {
    throw new AuthorizationConfigError(`--authorization-config ${path}: not an apiserver.config.k8s.io AuthorizationConfiguration`);
  }
  const list = Array.isArray(doc.authorizers) ? doc.authorizers : [];
  if (list.length === 0) throw new AuthorizationConfigError('authorizers: Required value: at least one authorization mode must be defined');
  const names = new Set<string>();
  const types = new Set<string>();
  return list.map((entry, i): ConfiguredAuthorizer => {
    const at = `authorizers[${i}]`;
    if (!isObject(entry) || typeof entry.type !== 'string') throw new AuthorizationConfigError(`${at}.type: Required value`);
    if (!TYPES.has(entry.type)) throw new AuthorizationConfigError(`${at}.type: Unsupported value: ${JSON.stringify(entry.type)}: supported values: "AlwaysAllow", "AlwaysDeny", "Node", "RBAC", "Webhook"`);
    if (entry.type !== 'Webhook' && types.has(entry.type)) throw new AuthorizationConfigError(`${at}.type: Duplicate value: ${JSON.stringify(entry.type)}`);
    types.add(entry.type);
    const name = typeof entry.name === 'string' ? entry.name : '';
    if (name === '') throw new AuthorizationConfigError(`${at}.name: Required value`);
    if (names.has(name)) throw new AuthorizationConfigError(`${at}.name: Duplicate value: ${JSON.stringify(name)}`);
    names.add(name);
    const mode = entry.type as AuthorizationMode;
    return mode === 'Webhook' ? { mode, name, webhook: webhookOf(entry.webhook, at, name) } : { mode, name };
  });
}
