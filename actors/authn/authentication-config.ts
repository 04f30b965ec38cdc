// kube's structured authentication configuration (--authentication-config,
// apiserver.config.k8s.io/v1beta1 or v1 AuthenticationConfiguration: its `jwt`
// authenticators and its `anonymous` settings), and the --oidc-* flags it
// replaces, both read into JwtAuthenticatorConfig. The two are mutually
// exclusive, as in kube. A problem is one line naming the field, in kube's
// `field: Required value` style.

import { readFileSync } from 'node:fs';
import { yaml } from '../../lib/lazy-yaml.js';
import { compileConfig, JwtConfigError, type JwtAuthenticatorConfig } from './jwt.js';

export interface OidcFlags {
  oidcIssuerUrl: string | undefined;
  oidcClientId: string | undefined;
  oidcCaFile: string | undefined;
  oidcUsernameClaim: string;
  oidcUsernamePrefix: string | undefined;
  oidcGroupsClaim: string | undefined;
  oidcGroupsPrefix: string | undefined;
  oidcRequiredClaim: string[];
  oidcSigningAlgs: string[];
}

export interface AuthenticationConfig {
  jwt: JwtAuthenticatorConfig[];
  /** The structured config's anonymous settings: undefined leaves --anonymous-auth in charge. */
  anonymous?: { enabled: boolean; paths: string[] | undefined };
}

const KINDS = new Set(['apiserver.config.k8s.io/v1alpha1', 'apiserver.config.k8s.io/v1beta1', 'apiserver.config.k8s.io/v1']);

const readText = (flag: string, path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new JwtConfigError(`${flag}: reading ${path}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function validateJwt(value: unknown, at: string, seen: Set<string>): JwtAuthenticatorConfig {
  if (!isObject(value)) throw new JwtConfigError(`${at}: Invalid value: must be an object`);
  const issuer = value.issuer;
  if (!isObject(issuer)) throw new JwtConfigError(`${at}.issuer: Required value`);
  const url = issuer.url;
  if (typeof url !== 'string' || url === '') throw new JwtConfigError(`${at}.issuer.url: Required value`);
  if (!url.startsWith('https://')) throw new JwtConfigError(`${at}.issuer.url: Invalid value: ${JSON.stringify(url)}: URL scheme must be https`);
  if (seen.has(url)) throw new JwtConfigError(`${at}.issuer.url: Duplicate value: ${JSON.stringify(url)}`);
  seen.add(url);
  const audiences = issuer.audiences;
  if (!Array.isArray(audiences) || audiences.length === 0 || !audiences.every((a) => typeof a === 'string' && a !== '')) throw new JwtConfigError(`${at}.issuer.audiences: Required value: at least one issuer.audiences is required`);
  const mappings = value.claimMappings;
  if (!isObject(mappings) || !isObject(mappings.username)) throw new JwtConfigError(`${at}.claimMappings.username: Required value: claim or expression is required`);
  const username = mappings.username;
  if (!username.claim === !username.expression) throw new JwtConfigError(`${at}.claimMappings.username: Invalid value: "": claim and expression can't both be ${username.claim ? 'set' : 'empty'}`);
  if (username.claim && username.prefix === undefined) throw new JwtConfigError(`${at}.claimMappings.username.prefix: Required value: prefix is required when claim is set. It can be set to an empty string to disable prefixing`);
  if (isObject(mappings.groups) && mappings.groups.claim && mappings.groups.prefix === undefined) {
    throw new JwtConfigError(`${at}.claimMappings.groups.prefix: Required value: prefix is required when claim is set. It can be set to an empty string to disable prefixing`);
  }
  const config = value as unknown as JwtAuthenticatorConfig;
  compileConfig(config, at);
  const ca = issuer.certificateAuthority;
  if (ca !== undefined && (typeof ca !== 'string' || !ca.includes('-----BEGIN CERTIFICATE-----'))) throw new JwtConfigError(`${at}.issuer.certificateAuthority: Invalid value: "<omitted>": data does not contain any valid RSA or ECDSA certificates`);
  return config;
}

/** The --authentication-config file. */
export function readAuthenticationConfig(path: string): AuthenticationConfig {
  const text = readText('--authentication-config', path);
  let doc: unknown;
  try {
    doc = yaml().parse(text);
  } catch (e) {
    throw new JwtConfigError(`--authentication-config ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isObject(doc)) throw new JwtConfigError(`--authentication-config ${path}: not an AuthenticationConfiguration object`);
  if (doc.kind !== 'AuthenticationConfiguration' || !KINDS.has(String(doc.apiVersion))) {
    throw new JwtConfigError(`--authentication-config ${path}: no kind "${String(doc.kind)}" is registered for version "${String(doc.apiVersion)}"`);
  }
  const seen = new Set<string>();
  const jwt = (Array.isArray(doc.jwt) ? doc.jwt : []).map((j, i) => validateJwt(j, `jwt[${i}]`, seen));
  const config: AuthenticationConfig = { jwt };
  if (isObject(doc.anonymous)) {
    const conditions = Array.isArray(doc.anonymous.conditions) ? doc.anonymous.conditions.map((c) => String(isObject(c) ? c.path : '')) : undefined;
    config.anonymous = { enabled: doc.anonymous.enabled === true, paths: conditions && conditions.length > 0 ? conditions : undefined };
  }
  return config;
}

/** The --oidc-* flags as one JWT authenticator, with kube's defaults (the username prefix is the issuer and `#` unless the claim is email; `-` means none). */
export function oidcFromFlags(flags: OidcFlags): JwtAuthenticatorConfig | undefined {
  if (!flags.oidcIssuerUrl && !flags.oidcClientId) return undefined;
  if (!flags.oidcIssuerUrl || !flags.oidcClientId) throw new JwtConfigError('oidc-issuer-url and oidc-client-id must be specified together');
  if (!flags.oidcIssuerUrl.startsWith('https://')) throw new JwtConfigError(`oidc-issuer-url (${flags.oidcIssuerUrl}) must be a valid URL with the https scheme`);
  const claim = flags.oidcUsernameClaim;
  let prefix = flags.oidcUsernamePrefix ?? '';
  if (prefix === '' && claim !== 'email') prefix = `${flags.oidcIssuerUrl}#`;
  if (prefix === '-') prefix = '';
  const config: JwtAuthenticatorConfig = {
    issuer: { url: flags.oidcIssuerUrl, audiences: [flags.oidcClientId] },
    claimMappings: { username: { claim, prefix } },
    signingAlgorithms: flags.oidcSigningAlgs,
  };
  if (flags.oidcCaFile) config.issuer.certificateAuthority = readText('--oidc-ca-file', flags.oidcCaFile);
  if (flags.oidcGroupsClaim) config.claimMappings.groups = { claim: flags.oidcGroupsClaim, prefix: flags.oidcGroupsPrefix ?? '' };
  config.claimValidationRules = flags.oidcRequiredClaim.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new JwtConfigError(`--oidc-required-claim ${JSON.stringify(pair)}: must be key=value`);
    return { claim: pair.slice(0, eq), requiredValue: pair.slice(eq + 1) };
  });
  return config;
}

/** Both sources, refused together as kube refuses them. */
export function authenticationConfigOf(path: string | undefined, flags: OidcFlags): AuthenticationConfig {
  const fromFlags = oidcFromFlags(flags);
  if (path && fromFlags) throw new JwtConfigError('authentication-config file and oidc-* flags are mutually exclusive');
  if (path) return readAuthenticationConfig(path);
  return { jwt: fromFlags ? [fromFlags] : [] };
}
