// kube-apiserver's ServerRunOptions, the subset kubeactor implements, with
// kube's flag names. Options are completed (defaults, generated credentials)
// and then validated, as in kube's Complete() → Validate().

import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Policy } from '../../protocol/kube/audit.js';
import { parsePolicy } from '../audit/policy.js';
import type { AuditLogMode } from '../audit/log-backend.js';
import { AUTHORIZATION_MODES, type AuthorizationMode } from '../authz/decide.js';
import { selectKinds } from '../../scheme/runtime-config.js';
import { parseFeatureGates } from '../../scheme/feature-gates.js';
import { allKinds, isGeneralAvailability } from '../../scheme/kinds/index.js';
import { admissionConfigErrors, admissionFlagErrors, enabledPlugins } from '../admission/plugins.js';
import type { PluginRegistration } from '../admission/plugin.js';
import { readAdmissionConfiguration } from '../admission/configuration.js';
import { CONTROLLERS, isControllerEnabled, unknownControllers } from '../controllers/index.js';
import type { ControllerDescriptor } from '../controllers/controller.js';
import { electionConfigErrors, type ElectionConfig } from '../leader-election/lease.js';
import { TRANSPORT_CHOICES } from '../listener/transport.js';
import { DEFAULT_ISSUER } from '../authn/service-account-keys.js';
import type { OidcFlags } from '../authn/authentication-config.js';

/** kube's flags, as cac parses them; the --oidc-* ones as authn's authentication-config.ts reads them. */
export interface ServerRunOptions extends OidcFlags {
  securePort: number;
  bindAddress: string;
  dataDir: string;
  tokenAuthFile: string | undefined;
  clientCaFile: string | undefined;
  anonymousAuth: boolean;
  /** --service-account-issuer (repeatable: the first signs, all are accepted). */
  serviceAccountIssuer: string[];
  serviceAccountKeyFile: string[];
  serviceAccountSigningKeyFile: string | undefined;
  serviceAccountMaxTokenExpiration: string;
  serviceAccountJwksUri: string | undefined;
  /** --api-audiences; empty means the issuers. */
  apiAudiences: string[];
  authenticationConfig: string | undefined;
  enableBootstrapTokenAuth: boolean;
  requestheaderClientCaFile: string | undefined;
  requestheaderAllowedNames: string[];
  requestheaderUsernameHeaders: string[];
  requestheaderGroupHeaders: string[];
  requestheaderUidHeaders: string[];
  requestheaderExtraHeadersPrefix: string[];
  authenticationTokenWebhookConfigFile: string | undefined;
  authenticationTokenWebhookCacheTtl: string;
  authenticationTokenWebhookVersion: string;
  authorizationPolicyFile: string | undefined;
  authorizationConfig: string | undefined;
  authorizationWebhookConfigFile: string | undefined;
  authorizationWebhookCacheAuthorizedTtl: string;
  authorizationWebhookCacheUnauthorizedTtl: string;
  authorizationWebhookVersion: string;
  transport: string;
  authorizationMode: string[];
  enableAdmissionPlugins: string[];
  disableAdmissionPlugins: string[];
  /** AdmissionConfiguration (apiserver.config.k8s.io/v1): each plugin's configuration. */
  admissionControlConfigFile: string | undefined;
  storageBackend: string;
  etcdServers: string[];
  etcdPrefix: string;
  etcdCafile: string | undefined;
  etcdCertfile: string | undefined;
  etcdKeyfile: string | undefined;
  etcdCompactionInterval: string;
  serviceClusterIpRange: string;
  serviceNodePortRange: string;
  maxRequestsInflight: number;
  maxMutatingRequestsInflight: number;
  requestTimeout: string;
  minRequestTimeout: number;
  maxRequestBodyBytes: number;
  shutdownDelayDuration: string;
  shutdownSendRetryAfter: boolean;
  shutdownWatchTerminationGracePeriod: string;
  auditPolicyFile: string | undefined;
  auditLogPath: string | undefined;
  auditLogMode: string;
  /** /debug/pprof: CPU profiles and heap snapshots. */
  profiling: boolean;
  /** --runtime-config entries, `key=value` (scheme/runtime-config.ts). */
  runtimeConfig: string[];
  /** --feature-gates entries, `Name=bool` (scheme/feature-gates.ts). */
  featureGates: string[];
  /** kube-controller-manager's --controllers: `*`, `name`, `-name`. */
  controllers: string[];
  /** API Priority and Fairness; false falls back to the plain --max-requests-inflight limits at the listener. */
  enablePriorityAndFairness: boolean;
  /** The aggregator's client certificate to extension API servers; generated in --data-dir when not given. */
  proxyClientCertFile: string | undefined;
  proxyClientKeyFile: string | undefined;
  /** No flag: how often the aggregator re-reads each remote APIService's discovery and OpenAPI (kube: one minute). Specs shorten it. */
  aggregatorDiscoveryRefreshMs: number;
  /** kube-controller-manager's CA for csrsigning; the data directory's CA when unset. */
  clusterSigningCertFile: string | undefined;
  clusterSigningKeyFile: string | undefined;
  /** The longest certificate csrsigning issues (a CSR's spec.expirationSeconds may ask for less). */
  clusterSigningDuration: string;
  /** kube-controller-manager's --leader-elect and its Lease's timings and name. */
  leaderElect: boolean;
  leaderElectLeaseDuration: string;
  leaderElectRenewDeadline: string;
  leaderElectRetryPeriod: string;
  leaderElectResourceNamespace: string;
  leaderElectResourceName: string;
}

export const DEFAULT_OPTIONS: ServerRunOptions = {
  securePort: 6443,
  bindAddress: '127.0.0.1',
  dataDir: './data',
  tokenAuthFile: undefined,
  clientCaFile: undefined,
  anonymousAuth: true,
  serviceAccountIssuer: [DEFAULT_ISSUER],
  serviceAccountKeyFile: [],
  serviceAccountSigningKeyFile: undefined,
  serviceAccountMaxTokenExpiration: '0s',
  serviceAccountJwksUri: undefined,
  apiAudiences: [],
  authenticationConfig: undefined,
  oidcIssuerUrl: undefined,
  oidcClientId: undefined,
  oidcCaFile: undefined,
  oidcUsernameClaim: 'sub',
  oidcUsernamePrefix: undefined,
  oidcGroupsClaim: undefined,
  oidcGroupsPrefix: undefined,
  oidcRequiredClaim: [],
  oidcSigningAlgs: ['RS256'],
  enableBootstrapTokenAuth: false,
  requestheaderClientCaFile: undefined,
  requestheaderAllowedNames: [],
  requestheaderUsernameHeaders: [],
  requestheaderGroupHeaders: [],
  requestheaderUidHeaders: [],
  requestheaderExtraHeadersPrefix: [],
  authenticationTokenWebhookConfigFile: undefined,
  authenticationTokenWebhookCacheTtl: '2m0s',
  authenticationTokenWebhookVersion: 'v1beta1',
  authorizationPolicyFile: undefined,
  authorizationConfig: undefined,
  authorizationWebhookConfigFile: undefined,
  authorizationWebhookCacheAuthorizedTtl: '5m0s',
  authorizationWebhookCacheUnauthorizedTtl: '30s',
  authorizationWebhookVersion: 'v1beta1',
  transport: 'auto',
  authorizationMode: ['RBAC'],
  // kube's default-enabled plugins run unless disabled (see actors/admission/plugins.ts).
  enableAdmissionPlugins: [],
  disableAdmissionPlugins: [],
  admissionControlConfigFile: undefined,
  storageBackend: 'sqlite',
  etcdServers: [],
  etcdPrefix: '/registry',
  etcdCafile: undefined,
  etcdCertfile: undefined,
  etcdKeyfile: undefined,
  // kube-apiserver's default: each compaction keeps at least the last 5 minutes of history.
  etcdCompactionInterval: '5m0s',
  serviceClusterIpRange: '10.0.0.0/24',
  profiling: true,
  runtimeConfig: [],
  featureGates: [],
  serviceNodePortRange: '30000-32767',
  maxRequestsInflight: 400,
  maxMutatingRequestsInflight: 200,
  requestTimeout: '1m0s',
  minRequestTimeout: 1800,
  maxRequestBodyBytes: 3 * 1024 * 1024,
  shutdownDelayDuration: '0s',
  shutdownSendRetryAfter: false,
  shutdownWatchTerminationGracePeriod: '0s',
  auditPolicyFile: undefined,
  auditLogPath: undefined,
  auditLogMode: 'blocking',
  controllers: ['*'],
  enablePriorityAndFairness: true,
  proxyClientCertFile: undefined,
  proxyClientKeyFile: undefined,
  aggregatorDiscoveryRefreshMs: 60_000,
  clusterSigningCertFile: undefined,
  clusterSigningKeyFile: undefined,
  clusterSigningDuration: '8760h0m0s',
  leaderElect: true,
  leaderElectLeaseDuration: '15s',
  leaderElectRenewDeadline: '10s',
  leaderElectRetryPeriod: '2s',
  leaderElectResourceNamespace: 'kube-system',
  leaderElectResourceName: 'kube-controller-manager',
};

/** Options after Complete(): parsed durations and resolved choices. */
export interface CompletedOptions {
  raw: ServerRunOptions;
  authorizationModes: AuthorizationMode[];
  /** The enabled admission plugins, in kube's order. */
  admissionPlugins: PluginRegistration[];
  /** Each plugin's configuration from --admission-control-config-file. */
  admissionConfigs: Map<string, unknown>;
  requestTimeoutMs: number;
  shutdownDelayMs: number;
  shutdownWatchTerminationGraceMs: number;
  /** 0 turns compaction off, as in kube. */
  compactionIntervalMs: number;
  /** The first address of --service-cluster-ip-range: the `kubernetes` Service's ClusterIP. */
  kubernetesServiceIp: string;
  /** PEM read from --etcd-cafile, --etcd-certfile and --etcd-keyfile, for TLS to etcd. */
  etcdTls: EtcdTls | undefined;
  /** The log backend, when both --audit-policy-file and --audit-log-path are given (as kube needs both). */
  audit: { policy: Policy; logPath: string; mode: AuditLogMode } | undefined;
  /** The built-in controllers --controllers enables, in start order. */
  controllers: ControllerDescriptor[];
  /** --service-account-max-token-expiration in seconds; 0 is no limit. */
  serviceAccountMaxExpirationSeconds: number;
  /** The webhooks' cache lifetimes. */
  webhookTtls: { token: number; authorized: number; unauthorized: number };
  clusterSigningDurationMs: number;
  /** Which Lease the controllers' leader holds, and its timings; undefined with --leader-elect=false. */
  leaderElection: Omit<ElectionConfig, 'identity'> | undefined;
}

export interface EtcdTls {
  ca: Buffer | undefined;
  cert: Buffer | undefined;
  key: Buffer | undefined;
}

/** The files of kube's --etcd-cafile, --etcd-certfile and --etcd-keyfile, read now so a bad path is a flag error. */
function etcdTlsOf(raw: ServerRunOptions, errors: string[]): EtcdTls | undefined {
  if (!raw.etcdCafile && !raw.etcdCertfile && !raw.etcdKeyfile) return undefined;
  if (!raw.etcdCertfile !== !raw.etcdKeyfile) errors.push('--etcd-certfile and --etcd-keyfile must be given together');
  const read = (flag: string, path: string | undefined): Buffer | undefined => {
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (e) {
      errors.push(`${flag}: reading ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      return undefined;
    }
  };
  return { ca: read('--etcd-cafile', raw.etcdCafile), cert: read('--etcd-certfile', raw.etcdCertfile), key: read('--etcd-keyfile', raw.etcdKeyfile) };
}

function auditOf(raw: ServerRunOptions, errors: string[]): CompletedOptions['audit'] {
  if (raw.auditLogMode !== 'blocking' && raw.auditLogMode !== 'batch') {
    errors.push(`--audit-log-mode ${JSON.stringify(raw.auditLogMode)} is invalid; supported modes: blocking, batch`);
  }
  if (!raw.auditPolicyFile || !raw.auditLogPath) return undefined;
  let text: string;
  try {
    text = readFileSync(raw.auditPolicyFile, 'utf8');
  } catch (e) {
    errors.push(`--audit-policy-file: reading ${raw.auditPolicyFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return undefined;
  }
  try {
    return { policy: parsePolicy(text, raw.auditPolicyFile), logPath: raw.auditLogPath, mode: raw.auditLogMode as AuditLogMode };
  } catch (e) {
    errors.push(`--audit-policy-file: ${(e as Error).message}`);
    return undefined;
  }
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    matched = re.lastIndex;
  }
  return matched === text.length && text.length > 0 ? total : undefined;
}

export function firstServiceIp(cidr: string): string | undefined {
  const [base, bits] = cidr.split('/');
  if (!base || isIP(base) !== 4 || bits === undefined) return undefined;
  const prefix = Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 30) return undefined;
  const n = base.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const network = prefix === 0 ? 0 : Math.floor(n / 2 ** (32 - prefix)) * 2 ** (32 - prefix);
  const first = network + 1;
  return [24, 16, 8, 0].map((s) => Math.floor(first / 2 ** s) % 256).join('.');
}

/**
 * kube's AreLegacyFlagsSet: --authorization-mode or an --authorization-webhook-* flag was given. A given
 * list is a new array (bin/flags.ts and the harness both copy what they are handed over the defaults); a
 * given string is told from the default by its value.
 */
function legacyAuthorizationFlagsSet(raw: ServerRunOptions): boolean {
  return raw.authorizationMode !== DEFAULT_OPTIONS.authorizationMode
    || raw.authorizationWebhookConfigFile !== undefined
    || raw.authorizationWebhookVersion !== DEFAULT_OPTIONS.authorizationWebhookVersion
    || raw.authorizationWebhookCacheAuthorizedTtl !== DEFAULT_OPTIONS.authorizationWebhookCacheAuthorizedTtl
    || raw.authorizationWebhookCacheUnauthorizedTtl !== DEFAULT_OPTIONS.authorizationWebhookCacheUnauthorizedTtl;
}

/** Complete() then Validate(): every problem, as kube's one-line messages. */
export function completeAndValidate(raw: ServerRunOptions): { options: CompletedOptions } | { errors: string[] } {
  const errors: string[] = [];
  if (!Number.isInteger(raw.securePort) || raw.securePort < 0 || raw.securePort > 65535) {
    errors.push(`--secure-port ${raw.securePort} must be between 0 and 65535, inclusive. 0 picks a free port`);
  }
  if (raw.bindAddress !== '' && isIP(raw.bindAddress) === 0 && raw.bindAddress !== 'localhost') {
    errors.push(`--bind-address ${JSON.stringify(raw.bindAddress)} is not a valid IP address`);
  }
  const modes: AuthorizationMode[] = [];
  // kube's BuiltInAuthorizationOptions.Validate: the structured file replaces the legacy flags outright.
  const legacyAuthorizationFlags = raw.authorizationConfig !== undefined && legacyAuthorizationFlagsSet(raw);
  if (legacyAuthorizationFlags) errors.push('--authorization-config can not be specified when --authorization-mode or --authorization-webhook-* flags are defined');
  if (!legacyAuthorizationFlags) for (const mode of raw.authorizationMode) {
    if (!(AUTHORIZATION_MODES as readonly string[]).includes(mode)) {
      errors.push(`--authorization-mode ${JSON.stringify(mode)} is not a valid mode; supported modes: ${AUTHORIZATION_MODES.join(', ')}`);
    } else if (modes.includes(mode as AuthorizationMode)) {
      errors.push(`--authorization-mode ${JSON.stringify(mode)} has been specified more than once`);
    } else {
      modes.push(mode as AuthorizationMode);
    }
  }
  if (!legacyAuthorizationFlags && modes.length === 0 && raw.authorizationMode.length === 0) errors.push('--authorization-mode must name at least one mode');
  errors.push(...admissionFlagErrors(raw.enableAdmissionPlugins, raw.disableAdmissionPlugins));
  const plugins = enabledPlugins(raw.enableAdmissionPlugins, raw.disableAdmissionPlugins);
  let admissionConfigs = new Map<string, unknown>();
  if (raw.admissionControlConfigFile) {
    try {
      admissionConfigs = readAdmissionConfiguration(raw.admissionControlConfigFile);
    } catch (e) {
      errors.push(`failed to read plugin config: ${(e as Error).message}`);
    }
  }
  errors.push(...admissionConfigErrors(plugins, admissionConfigs));
  if (raw.storageBackend !== 'sqlite' && raw.storageBackend !== 'etcd3') {
    errors.push(`--storage-backend ${JSON.stringify(raw.storageBackend)} is not supported; use sqlite or etcd3`);
  } else if (raw.storageBackend === 'etcd3') {
    if (raw.etcdServers.length === 0) errors.push('--etcd-servers must be specified with --storage-backend=etcd3');
    for (const server of raw.etcdServers) {
      if (!/^https?:\/\/[^/\s]+$/.test(server)) errors.push(`--etcd-servers: ${JSON.stringify(server)} is not a URL of the form http://host:port`);
    }
    if (!raw.etcdPrefix.startsWith('/')) errors.push(`--etcd-prefix ${JSON.stringify(raw.etcdPrefix)} must start with /`);
  }
  const kubernetesServiceIp = firstServiceIp(raw.serviceClusterIpRange);
  if (!kubernetesServiceIp) errors.push(`--service-cluster-ip-range ${JSON.stringify(raw.serviceClusterIpRange)} is not a valid IPv4 CIDR`);
  const nodePorts = /^(\d+)-(\d+)$/.exec(raw.serviceNodePortRange);
  if (!nodePorts || Number(nodePorts[1]) > Number(nodePorts[2]) || Number(nodePorts[2]) > 65535) {
    errors.push(`--service-node-port-range ${JSON.stringify(raw.serviceNodePortRange)} is not a port range of the form 30000-32767`);
  }
  for (const [flag, value] of [['--max-requests-inflight', raw.maxRequestsInflight], ['--max-mutating-requests-inflight', raw.maxMutatingRequestsInflight], ['--min-request-timeout', raw.minRequestTimeout], ['--max-request-body-bytes', raw.maxRequestBodyBytes]] as const) {
    if (!Number.isInteger(value) || value < 0) errors.push(`${flag} can not be negative value`);
  }
  const durations = {
    requestTimeoutMs: ['--request-timeout', raw.requestTimeout],
    shutdownDelayMs: ['--shutdown-delay-duration', raw.shutdownDelayDuration],
    shutdownWatchTerminationGraceMs: ['--shutdown-watch-termination-grace-period', raw.shutdownWatchTerminationGracePeriod],
    compactionIntervalMs: ['--etcd-compaction-interval', raw.etcdCompactionInterval],
    serviceAccountMaxExpirationMs: ['--service-account-max-token-expiration', raw.serviceAccountMaxTokenExpiration],
    tokenWebhookCacheTtlMs: ['--authentication-token-webhook-cache-ttl', raw.authenticationTokenWebhookCacheTtl],
    authorizedTtlMs: ['--authorization-webhook-cache-authorized-ttl', raw.authorizationWebhookCacheAuthorizedTtl],
    unauthorizedTtlMs: ['--authorization-webhook-cache-unauthorized-ttl', raw.authorizationWebhookCacheUnauthorizedTtl],
    clusterSigningDurationMs: ['--cluster-signing-duration', raw.clusterSigningDuration],
    leaseDurationMs: ['--leader-elect-lease-duration', raw.leaderElectLeaseDuration],
    renewDeadlineMs: ['--leader-elect-renew-deadline', raw.leaderElectRenewDeadline],
    retryPeriodMs: ['--leader-elect-retry-period', raw.leaderElectRetryPeriod],
  } as const;
  const parsed: Record<string, number> = {};
  for (const [key, [flag, text]] of Object.entries(durations)) {
    const ms = parseDuration(text);
    if (ms === undefined) errors.push(`${flag} ${JSON.stringify(text)} is not a valid duration (for example 30s, 1m30s)`);
    else parsed[key] = ms;
  }
  for (const [flag, version] of [['--authentication-token-webhook-version', raw.authenticationTokenWebhookVersion], ['--authorization-webhook-version', raw.authorizationWebhookVersion]]) {
    if (version !== 'v1' && version !== 'v1beta1') errors.push(`${flag} ${JSON.stringify(version)} is invalid; supported versions: v1, v1beta1`);
  }
  if (modes.includes('ABAC') && !raw.authorizationPolicyFile && !raw.authorizationConfig) errors.push("authorization-mode ABAC's authorization policy file not passed");
  if (!modes.includes('ABAC') && raw.authorizationPolicyFile) errors.push('cannot specify --authorization-policy-file without mode ABAC');
  if (modes.includes('Webhook') && !raw.authorizationWebhookConfigFile && !raw.authorizationConfig) errors.push("authorization-mode Webhook's authorization config file not passed");
  if (!legacyAuthorizationFlags && !modes.includes('Webhook') && raw.authorizationWebhookConfigFile) errors.push('cannot specify --authorization-webhook-config-file without mode Webhook');
  if (raw.serviceAccountIssuer.length === 0) errors.push('--service-account-issuer: at least one issuer is required');
  for (const issuer of raw.serviceAccountIssuer) {
    // kube: a URL needs the https scheme; anything else may not contain a colon.
    if (issuer.includes(':') && !/^https:\/\/[^\s]+$/.test(issuer)) errors.push(`--service-account-issuer ${JSON.stringify(issuer)} contained a ':' but was not a valid URL`);
  }
  if ((parsed.serviceAccountMaxExpirationMs ?? 0) > 0 && parsed.serviceAccountMaxExpirationMs! < 3_600_000) errors.push('--service-account-max-token-expiration should be at least 1 hour');
  const gates = parseFeatureGates(raw.featureGates);
  if ('error' in gates) errors.push(gates.error);
  const served = selectKinds(raw.runtimeConfig, allKinds, isGeneralAvailability, 'gates' in gates ? gates.gates : undefined);
  if ('error' in served) errors.push(served.error);
  if (!(TRANSPORT_CHOICES as readonly string[]).includes(raw.transport)) {
    errors.push(`--transport ${JSON.stringify(raw.transport)} is invalid; supported transports: ${TRANSPORT_CHOICES.join(', ')}`);
  } else if (raw.transport === 'uws' && raw.clientCaFile) {
    errors.push('--client-ca-file needs --transport=node (or auto): uWebSockets.js cannot read client certificates');
  } else if (raw.transport === 'uws' && raw.requestheaderClientCaFile) {
    errors.push('--requestheader-client-ca-file needs --transport=node (or auto): uWebSockets.js cannot read client certificates');
  }
  if (!raw.proxyClientCertFile !== !raw.proxyClientKeyFile) errors.push('--proxy-client-cert-file and --proxy-client-key-file must be given together');
  const audit = auditOf(raw, errors);
  for (const error of unknownControllers(raw.controllers)) errors.push(`--controllers: ${error}`);
  if (raw.leaderElect && parsed.leaseDurationMs !== undefined && parsed.renewDeadlineMs !== undefined && parsed.retryPeriodMs !== undefined) {
    for (const error of electionConfigErrors(parsed.leaseDurationMs, parsed.renewDeadlineMs, parsed.retryPeriodMs)) errors.push(`--leader-elect: ${error}`);
  }
  if (!raw.clusterSigningCertFile !== !raw.clusterSigningKeyFile) errors.push('--cluster-signing-cert-file and --cluster-signing-key-file must be given together');
  const etcdTls = raw.storageBackend === 'etcd3' ? etcdTlsOf(raw, errors) : undefined;
  if (errors.length > 0) return { errors };
  return {
    options: {
      raw,
      authorizationModes: modes,
      admissionPlugins: plugins,
      admissionConfigs,
      requestTimeoutMs: parsed.requestTimeoutMs!,
      shutdownDelayMs: parsed.shutdownDelayMs!,
      shutdownWatchTerminationGraceMs: parsed.shutdownWatchTerminationGraceMs!,
      compactionIntervalMs: parsed.compactionIntervalMs!,
      kubernetesServiceIp: kubernetesServiceIp!,
      etcdTls,
      audit,
      controllers: CONTROLLERS.filter((c) => isControllerEnabled(c, raw.controllers)),
      serviceAccountMaxExpirationSeconds: Math.floor(parsed.serviceAccountMaxExpirationMs! / 1000),
      webhookTtls: { token: parsed.tokenWebhookCacheTtlMs!, authorized: parsed.authorizedTtlMs!, unauthorized: parsed.unauthorizedTtlMs! },
      clusterSigningDurationMs: parsed.clusterSigningDurationMs!,
      leaderElection: raw.leaderElect
        ? {
          namespace: raw.leaderElectResourceNamespace, name: raw.leaderElectResourceName,
          leaseDurationMs: parsed.leaseDurationMs!, renewDeadlineMs: parsed.renewDeadlineMs!, retryPeriodMs: parsed.retryPeriodMs!,
        }
        : undefined,
    },
  };
}
