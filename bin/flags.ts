// kube-apiserver's flag names, mapped onto ServerRunOptions. Values arrive as
// strings (cac/mri may pre-convert numbers); each is checked here, so a bad
// value is one clear line and exit status 2.

import { DEFAULT_OPTIONS, type ServerRunOptions } from '../actors/supervisor/options.js';
import { PLUGIN_NAMES } from '../actors/admission/plugins.js';

type Kind = 'int' | 'string' | 'bool' | 'list' | 'duration';

interface FlagSpec {
  flag: string;
  key: keyof ServerRunOptions;
  kind: Kind;
  help: string;
}

export const FLAGS: readonly FlagSpec[] = [
  { flag: 'secure-port', key: 'securePort', kind: 'int', help: 'The port on which to serve HTTPS with authentication and authorization (0 picks a free port)' },
  { flag: 'bind-address', key: 'bindAddress', kind: 'string', help: 'The IP address on which to listen for the --secure-port port' },
  { flag: 'data-dir', key: 'dataDir', kind: 'string', help: 'Directory for the SQLite database, the generated CA, serving certificate, admin token and admin.kubeconfig' },
  { flag: 'token-auth-file', key: 'tokenAuthFile', kind: 'string', help: 'If set, the file that will be used to secure the secure port of the API server via token authentication' },
  { flag: 'client-ca-file', key: 'clientCaFile', kind: 'string', help: 'If set, any request presenting a client certificate signed by one of the authorities in the client-ca-file is authenticated with an identity corresponding to the CommonName of the client certificate (serves with the node:http2 transport)' },
  { flag: 'service-account-issuer', key: 'serviceAccountIssuer', kind: 'list', help: 'Identifier of the service account token issuer (the iss claim). May be given several times: the first signs, all are accepted' },
  { flag: 'service-account-key-file', key: 'serviceAccountKeyFile', kind: 'list', help: 'File containing PEM-encoded x509 RSA or ECDSA private or public keys, used to verify ServiceAccount tokens. May be given several times' },
  { flag: 'service-account-signing-key-file', key: 'serviceAccountSigningKeyFile', kind: 'string', help: 'Path to the file that contains the current private key of the service account token issuer (default: sa.key in --data-dir, generated when absent)' },
  { flag: 'service-account-max-token-expiration', key: 'serviceAccountMaxTokenExpiration', kind: 'duration', help: 'The maximum validity duration of a token created by the service account token issuer (0: no limit)' },
  { flag: 'service-account-jwks-uri', key: 'serviceAccountJwksUri', kind: 'string', help: 'Overrides the URI for the JSON Web Key Set in the discovery doc served at /.well-known/openid-configuration' },
  { flag: 'api-audiences', key: 'apiAudiences', kind: 'list', help: 'Identifiers of the API. The service account token authenticator will validate that tokens used against the API are bound to at least one of these audiences (default: the issuers)' },
  { flag: 'authentication-config', key: 'authenticationConfig', kind: 'string', help: 'File with Authentication Configuration to configure the JWT Token authenticator or the anonymous authenticator (apiserver.config.k8s.io AuthenticationConfiguration). Mutually exclusive with the --oidc-* flags' },
  { flag: 'oidc-issuer-url', key: 'oidcIssuerUrl', kind: 'string', help: 'The URL of the OpenID issuer, only HTTPS scheme will be accepted. If set, it will be used to verify the OIDC JSON Web Token (JWT)' },
  { flag: 'oidc-client-id', key: 'oidcClientId', kind: 'string', help: 'The client ID for the OpenID Connect client, must be set if oidc-issuer-url is set' },
  { flag: 'oidc-ca-file', key: 'oidcCaFile', kind: 'string', help: "If set, the OpenID server's certificate will be verified by one of the authorities in the oidc-ca-file, otherwise the host's root CA set will be used" },
  { flag: 'oidc-username-claim', key: 'oidcUsernameClaim', kind: 'string', help: 'The OpenID claim to use as the user name' },
  { flag: 'oidc-username-prefix', key: 'oidcUsernamePrefix', kind: 'string', help: "If provided, all usernames will be prefixed with this value. If not provided, username claims other than 'email' are prefixed by the issuer URL to avoid clashes. To skip any prefixing, provide the value '-'" },
  { flag: 'oidc-groups-claim', key: 'oidcGroupsClaim', kind: 'string', help: 'If provided, the name of a custom OpenID Connect claim for specifying user groups (a string or an array of strings)' },
  { flag: 'oidc-groups-prefix', key: 'oidcGroupsPrefix', kind: 'string', help: 'If provided, all groups will be prefixed with this value to prevent conflicts with other authentication strategies' },
  { flag: 'oidc-required-claim', key: 'oidcRequiredClaim', kind: 'list', help: 'A key=value pair that describes a required claim in the ID Token. Repeat this flag to specify multiple claims' },
  { flag: 'oidc-signing-algs', key: 'oidcSigningAlgs', kind: 'list', help: 'Comma-separated list of allowed JOSE asymmetric signing algorithms' },
  { flag: 'enable-bootstrap-token-auth', key: 'enableBootstrapTokenAuth', kind: 'bool', help: "Enable to allow secrets of type 'bootstrap.kubernetes.io/token' in the 'kube-system' namespace to be used for TLS bootstrapping authentication" },
  { flag: 'requestheader-client-ca-file', key: 'requestheaderClientCaFile', kind: 'string', help: 'Root certificate bundle to use to verify client certificates on incoming requests before trusting usernames in headers specified by --requestheader-username-headers (serves with the node:http2 transport)' },
  { flag: 'requestheader-allowed-names', key: 'requestheaderAllowedNames', kind: 'list', help: 'List of client certificate common names to allow to provide usernames in headers specified by --requestheader-username-headers. If empty, any client certificate validated by the authorities in --requestheader-client-ca-file is allowed' },
  { flag: 'requestheader-username-headers', key: 'requestheaderUsernameHeaders', kind: 'list', help: 'List of request headers to inspect for usernames. X-Remote-User is common' },
  { flag: 'requestheader-group-headers', key: 'requestheaderGroupHeaders', kind: 'list', help: 'List of request headers to inspect for groups. X-Remote-Group is suggested' },
  { flag: 'requestheader-uid-headers', key: 'requestheaderUidHeaders', kind: 'list', help: 'List of request headers to inspect for UIDs. X-Remote-Uid is suggested' },
  { flag: 'requestheader-extra-headers-prefix', key: 'requestheaderExtraHeadersPrefix', kind: 'list', help: 'List of request header prefixes to inspect. X-Remote-Extra- is suggested' },
  { flag: 'authentication-token-webhook-config-file', key: 'authenticationTokenWebhookConfigFile', kind: 'string', help: 'File with webhook configuration for token authentication in kubeconfig format. The API server will query the remote service to determine authentication for bearer tokens' },
  { flag: 'authentication-token-webhook-cache-ttl', key: 'authenticationTokenWebhookCacheTtl', kind: 'duration', help: 'The duration to cache responses from the webhook token authenticator' },
  { flag: 'authentication-token-webhook-version', key: 'authenticationTokenWebhookVersion', kind: 'string', help: 'The API version of the authentication.k8s.io TokenReview to send to and expect from the webhook (v1 or v1beta1)' },
  { flag: 'authorization-policy-file', key: 'authorizationPolicyFile', kind: 'string', help: 'File with authorization policy in json line by line format, used with --authorization-mode=ABAC' },
  { flag: 'authorization-config', key: 'authorizationConfig', kind: 'string', help: 'File with Authorization Configuration to configure the authorizer chain (apiserver.config.k8s.io AuthorizationConfiguration). Replaces --authorization-mode and the --authorization-webhook-* flags' },
  { flag: 'authorization-webhook-config-file', key: 'authorizationWebhookConfigFile', kind: 'string', help: 'File with webhook configuration in kubeconfig format, used with --authorization-mode=Webhook. The API server will query the remote service to determine access on the API server\'s secure port' },
  { flag: 'authorization-webhook-cache-authorized-ttl', key: 'authorizationWebhookCacheAuthorizedTtl', kind: 'duration', help: "The duration to cache 'authorized' responses from the webhook authorizer" },
  { flag: 'authorization-webhook-cache-unauthorized-ttl', key: 'authorizationWebhookCacheUnauthorizedTtl', kind: 'duration', help: "The duration to cache 'unauthorized' responses from the webhook authorizer" },
  { flag: 'authorization-webhook-version', key: 'authorizationWebhookVersion', kind: 'string', help: 'The API version of the authorization.k8s.io SubjectAccessReview to send to and expect from the webhook (v1 or v1beta1)' },
  { flag: 'transport', key: 'transport', kind: 'string', help: 'The HTTPS transport: auto (uWebSockets.js where its native binary loads, node:http2 when --client-ca-file is given), uws or node (HTTP/2 and HTTP/1.1)' },
  { flag: 'anonymous-auth', key: 'anonymousAuth', kind: 'bool', help: 'Enables anonymous requests to the secure port of the API server' },
  { flag: 'authorization-mode', key: 'authorizationMode', kind: 'list', help: 'Ordered list of plug-ins to do authorization on secure port. Comma-delimited list of: AlwaysAllow,AlwaysDeny,ABAC,Webhook,RBAC,Node' },
  { flag: 'enable-admission-plugins', key: 'enableAdmissionPlugins', kind: 'list', help: `admission plugins that should be enabled in addition to default enabled ones. Comma-delimited list of admission plugins: ${PLUGIN_NAMES.join(', ')}. The order of plugins in this flag does not matter.` },
  { flag: 'disable-admission-plugins', key: 'disableAdmissionPlugins', kind: 'list', help: `admission plugins that should be disabled although they are in the default enabled plugins list. Comma-delimited list of admission plugins: ${PLUGIN_NAMES.join(', ')}. The order of plugins in this flag does not matter.` },
  { flag: 'admission-control-config-file', key: 'admissionControlConfigFile', kind: 'string', help: 'File with admission control configuration.' },
  { flag: 'storage-backend', key: 'storageBackend', kind: 'string', help: "The storage backend for persistence. Options: 'sqlite' (default, embedded), 'etcd3'" },
  { flag: 'etcd-servers', key: 'etcdServers', kind: 'list', help: 'List of etcd servers to connect with (scheme://ip:port), comma separated' },
  { flag: 'etcd-compaction-interval', key: 'etcdCompactionInterval', kind: 'duration', help: 'The interval of compaction requests. If 0, the compaction request from apiserver is disabled' },
  { flag: 'etcd-prefix', key: 'etcdPrefix', kind: 'string', help: 'The prefix to prepend to all resource paths in etcd' },
  { flag: 'etcd-cafile', key: 'etcdCafile', kind: 'string', help: 'SSL Certificate Authority file used to secure etcd communication' },
  { flag: 'etcd-certfile', key: 'etcdCertfile', kind: 'string', help: 'SSL certification file used to secure etcd communication' },
  { flag: 'etcd-keyfile', key: 'etcdKeyfile', kind: 'string', help: 'SSL key file used to secure etcd communication' },
  { flag: 'service-cluster-ip-range', key: 'serviceClusterIpRange', kind: 'string', help: 'A CIDR notation IP range from which to assign service cluster IPs' },
  { flag: 'runtime-config', key: 'runtimeConfig', kind: 'list', help: 'A set of key=value pairs that enable or disable built-in APIs: api/all, api/ga, api/beta, api/alpha, <group>/<version> (api/v1 for the core group) or <group>/<version>/<resource>' },
  { flag: 'feature-gates', key: 'featureGates', kind: 'list', help: 'A set of key=value pairs that describe feature gates for alpha/experimental features. Options are: AllAlpha=true|false, AllBeta=true|false, MutatingAdmissionPolicy=true|false (ALPHA - default=false)' },
  { flag: 'service-node-port-range', key: 'serviceNodePortRange', kind: 'string', help: 'A port range to reserve for services with NodePort visibility, e.g. 30000-32767. Inclusive at both ends' },
  { flag: 'max-requests-inflight', key: 'maxRequestsInflight', kind: 'int', help: 'The maximum number of non-mutating requests in flight at a given time' },
  { flag: 'max-mutating-requests-inflight', key: 'maxMutatingRequestsInflight', kind: 'int', help: 'The maximum number of mutating requests in flight at a given time' },
  { flag: 'request-timeout', key: 'requestTimeout', kind: 'duration', help: 'The duration a handler must keep a request open before timing it out' },
  { flag: 'min-request-timeout', key: 'minRequestTimeout', kind: 'int', help: 'The minimum number of seconds a handler must keep a watch open; the server picks a random timeout between this and twice it' },
  { flag: 'shutdown-delay-duration', key: 'shutdownDelayDuration', kind: 'duration', help: 'Time to delay the termination, while still serving requests and failing /readyz' },
  { flag: 'shutdown-send-retry-after', key: 'shutdownSendRetryAfter', kind: 'bool', help: 'If true the HTTP Server will continue listening until all non long running request(s) in flight have been drained, answering new requests with 429 and Retry-After' },
  { flag: 'audit-policy-file', key: 'auditPolicyFile', kind: 'string', help: 'Path to the file that defines the audit policy configuration' },
  { flag: 'audit-log-path', key: 'auditLogPath', kind: 'string', help: "If set, all requests coming to the apiserver will be logged to this file. '-' means standard out" },
  { flag: 'controllers', key: 'controllers', kind: 'list', help: "The built-in controllers to run (kube-controller-manager's syntax): '*' enables all, 'foo' enables foo, '-foo' disables foo" },
  { flag: 'cluster-signing-cert-file', key: 'clusterSigningCertFile', kind: 'string', help: 'Filename containing a PEM-encoded X509 CA certificate used to issue cluster-scoped certificates (default: the data directory\'s CA)' },
  { flag: 'cluster-signing-key-file', key: 'clusterSigningKeyFile', kind: 'string', help: 'Filename containing a PEM-encoded private key used to sign cluster-scoped certificates (default: the data directory\'s CA key)' },
  { flag: 'cluster-signing-duration', key: 'clusterSigningDuration', kind: 'duration', help: 'The max length of duration signed certificates will be given. Individual CSRs may request shorter certs by setting spec.expirationSeconds' },
  { flag: 'leader-elect', key: 'leaderElect', kind: 'bool', help: 'Start a leader election client and gain leadership before running the built-in controllers: with several kubeactor processes on one etcd, one runs them' },
  { flag: 'leader-elect-lease-duration', key: 'leaderElectLeaseDuration', kind: 'duration', help: 'The duration that non-leader candidates will wait after observing a leadership renewal until attempting to acquire leadership of a led but unrenewed leader slot' },
  { flag: 'leader-elect-renew-deadline', key: 'leaderElectRenewDeadline', kind: 'duration', help: 'The interval between attempts by the acting master to renew a leadership slot before it stops leading. This must be less than the lease duration' },
  { flag: 'leader-elect-retry-period', key: 'leaderElectRetryPeriod', kind: 'duration', help: 'The duration the clients should wait between attempting acquisition and renewal of a leadership' },
  { flag: 'leader-elect-resource-namespace', key: 'leaderElectResourceNamespace', kind: 'string', help: 'The namespace of resource object that is used for locking during leader election' },
  { flag: 'leader-elect-resource-name', key: 'leaderElectResourceName', kind: 'string', help: 'The name of resource object that is used for locking during leader election' },
  { flag: 'audit-log-mode', key: 'auditLogMode', kind: 'string', help: 'Strategy for sending audit events: blocking (each event written before the request goes on) or batch (buffered)' },
  { flag: 'enable-priority-and-fairness', key: 'enablePriorityAndFairness', kind: 'bool', help: 'If true, replace the max-in-flight handler with an enhanced one that queues and dispatches with priority and fairness' },
  { flag: 'profiling', key: 'profiling', kind: 'bool', help: 'Enable profiling via web interface host:port/debug/pprof/' },
  { flag: 'shutdown-watch-termination-grace-period', key: 'shutdownWatchTerminationGracePeriod', kind: 'duration', help: 'The grace period open watches get to end once in-flight requests have drained' },
  { flag: 'proxy-client-cert-file', key: 'proxyClientCertFile', kind: 'string', help: 'Client certificate used to prove the identity of the aggregator or kube-apiserver when it must call out during a request (generated in --data-dir, signed by a request-header CA, when not given)' },
  { flag: 'proxy-client-key-file', key: 'proxyClientKeyFile', kind: 'string', help: 'Private key for the client certificate used to prove the identity of the aggregator or kube-apiserver when it must call out during a request' },
];

export class FlagError extends Error {}

function convert(spec: FlagSpec, value: unknown): unknown {
  const text = Array.isArray(value) ? String(value[value.length - 1]) : String(value);
  switch (spec.kind) {
    case 'int': {
      const n = Number(text);
      if (text === '' || !Number.isInteger(n)) throw new FlagError(`invalid argument "${text}" for "--${spec.flag}" flag: must be an integer`);
      return n;
    }
    case 'bool':
      if (value === true || text === 'true') return true;
      if (text === 'false') return false;
      throw new FlagError(`invalid argument "${text}" for "--${spec.flag}" flag: must be true or false`);
    case 'list':
      if (value === true) return [];
      return (Array.isArray(value) ? value.map(String) : [text]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    default:
      if (value === true) throw new FlagError(`flag needs an argument: --${spec.flag}`);
      return text;
  }
}

/** Turns parsed flags (camelCase keys, as cac gives them) into ServerRunOptions. */
export function optionsFromFlags(parsed: Record<string, unknown>): ServerRunOptions {
  const options: ServerRunOptions = { ...DEFAULT_OPTIONS };
  for (const spec of FLAGS) {
    if (parsed[spec.key] === undefined) continue;
    (options as unknown as Record<string, unknown>)[spec.key] = convert(spec, parsed[spec.key]);
  }
  return options;
}
