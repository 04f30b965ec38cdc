// kube's JWT (OIDC) authenticator: one per issuer of --authentication-config's
// `jwt` list, or one from the --oidc-* flags. A token whose `iss` is the
// issuer's URL is verified with jose against the issuer's JWKS (found through
// its discovery document, fetched over HTTPS trusting the configured CA, and
// fetched again when a token names a key it does not hold); it must be meant
// for one of the configured audiences and pass the claim validation rules.
// The claim mappings (a claim with a prefix, or a CEL expression over
// `claims`) make the user, which must then pass the user validation rules
// (CEL over `user`). A token of another issuer is not this authenticator's.

import { createLocalJWKSet, jwtVerify, errors as joseErrors, type JSONWebKeySet, type JWTPayload } from 'jose';
import { request as httpsRequest } from 'node:https';
import type { UserInfo } from '../../protocol/kube/meta.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import { compileExpression, type Program } from '../../lib/cel/compile.js';
import { kubeEnvironment } from '../../lib/cel/environment.js';
import { dynToCel, fromCel } from '../../lib/cel/schema-types.js';
import { RUNTIME_CEL_COST_BUDGET } from '../../lib/cel/cost.js';
import type { Authenticated, TokenAuthenticator } from './authenticator.js';

/** A claim and its prefix, or a CEL expression over `claims`. */
export interface ClaimOrExpression {
  claim?: string;
  prefix?: string;
  expression?: string;
}

/** apiserver.config.k8s.io/v1beta1 JWTAuthenticator, as far as kubeactor reads it. */
export interface JwtAuthenticatorConfig {
  issuer: { url: string; discoveryURL?: string; certificateAuthority?: string; audiences: string[] };
  claimValidationRules?: { claim?: string; requiredValue?: string; expression?: string; message?: string }[];
  claimMappings: {
    username: ClaimOrExpression;
    groups?: ClaimOrExpression;
    uid?: { claim?: string; expression?: string };
    extra?: { key: string; valueExpression: string }[];
  };
  userValidationRules?: { expression: string; message?: string }[];
  /** --oidc-signing-algs; any asymmetric algorithm when absent. */
  signingAlgorithms?: string[];
}

const ANY_ALGORITHM = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'];
const REFETCH_AFTER_MS = 10_000;

export class JwtConfigError extends Error {}

/** A CEL program over one variable (`claims` or `user`); a compile error is a config error with the field's path. */
export function compileClaimsExpression(expression: string, variable: 'claims' | 'user', field: string): Program {
  const env = kubeEnvironment();
  env.registerVariable(variable, 'dyn');
  const compiled = compileExpression(env, expression, new Map([[variable, { maxElements: 0 }]]));
  if ('error' in compiled) throw new JwtConfigError(`${field}: Invalid value: ${JSON.stringify(expression)}: compilation failed: ${compiled.error.split('\n')[0]}`);
  return compiled.program;
}

const run = (program: Program, variable: string, value: unknown): unknown => fromCel(program.run({ [variable]: dynToCel(value) }, RUNTIME_CEL_COST_BUDGET).value);

/** GET a JSON document over HTTPS, trusting `ca` (else the system roots). */
function getJson(url: string, ca: string | undefined, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'GET', ca: ca || undefined, headers: { accept: 'application/json' }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`${url}: ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          reject(new Error(`${url}: not JSON`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

interface Compiled {
  username: ClaimOrExpression & { program?: Program };
  groups: (ClaimOrExpression & { program?: Program }) | undefined;
  uid: { claim?: string; program?: Program } | undefined;
  extra: { key: string; program: Program }[];
  claimRules: { claim?: string; requiredValue?: string; program?: Program; message?: string }[];
  userRules: { program: Program; message?: string }[];
}

/** Compiles every expression of a config: also how a config file is checked before the server starts. */
export function compileConfig(config: JwtAuthenticatorConfig, at: string): Compiled {
  const m = config.claimMappings;
  const maybe = <T extends { expression?: string }>(c: T | undefined, field: string): (T & { program?: Program }) | undefined =>
    c && (c.expression ? { ...c, program: compileClaimsExpression(c.expression, 'claims', `${at}.claimMappings.${field}.expression`) } : c);
  return {
    username: maybe(m.username, 'username')!,
    groups: maybe(m.groups, 'groups'),
    uid: maybe(m.uid, 'uid'),
    extra: (m.extra ?? []).map((e, i) => ({ key: e.key, program: compileClaimsExpression(e.valueExpression, 'claims', `${at}.claimMappings.extra[${i}].valueExpression`) })),
    claimRules: (config.claimValidationRules ?? []).map((r, i) => (r.expression ? { ...r, program: compileClaimsExpression(r.expression, 'claims', `${at}.claimValidationRules[${i}].expression`) } : r)),
    userRules: (config.userValidationRules ?? []).map((r, i) => ({ ...r, program: compileClaimsExpression(r.expression, 'user', `${at}.userValidationRules[${i}].expression`) })),
  };
}

const asStrings = (value: unknown): string[] | undefined => {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
};

export class JwtAuthenticator implements TokenAuthenticator {
  private readonly compiled: Compiled;
  private keys: ReturnType<typeof createLocalJWKSet> | undefined;
  private fetching: Promise<void> | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly config: JwtAuthenticatorConfig, at: string, private readonly clock: Clock, private readonly logger: Log) {
    this.compiled = compileConfig(config, at);
  }

  authenticateToken(token: string): Promise<Authenticated | undefined> | undefined {
    if (peekIssuer(token) !== this.config.issuer.url) return undefined;
    return this.verify(token, true).then((payload) => (payload ? this.userOf(payload) : undefined)).catch((e: unknown) => {
      // The reason, never the token.
      this.logger.debug(`jwt authenticator for ${this.config.issuer.url}: ${(e as Error).message}`);
      return undefined;
    });
  }

  private refresh(): Promise<void> {
    this.fetching ??= (async () => {
      const { url, discoveryURL, certificateAuthority } = this.config.issuer;
      const discovery = (await getJson(discoveryURL ?? `${url.replace(/\/$/, '')}/.well-known/openid-configuration`, certificateAuthority)) as { issuer?: unknown; jwks_uri?: unknown };
      if (discovery.issuer !== url) throw new Error(`oidc: issuer did not match the issuer returned by provider, expected "${url}" got "${String(discovery.issuer)}"`);
      if (typeof discovery.jwks_uri !== 'string') throw new Error('oidc: the discovery document has no jwks_uri');
      this.keys = createLocalJWKSet((await getJson(discovery.jwks_uri, certificateAuthority)) as JSONWebKeySet);
      this.fetchedAt = this.clock.now();
    })().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  private async verify(token: string, mayRefetch: boolean): Promise<JWTPayload | undefined> {
    if (!this.keys) await this.refresh();
    try {
      const { payload } = await jwtVerify(token, this.keys!, {
        issuer: this.config.issuer.url,
        audience: this.config.issuer.audiences,
        algorithms: this.config.signingAlgorithms ?? ANY_ALGORITHM,
        currentDate: new Date(this.clock.now()),
      });
      return payload;
    } catch (e) {
      // A key the issuer rotated in since the last fetch: fetch again, at most every ten seconds.
      if (e instanceof joseErrors.JWKSNoMatchingKey && mayRefetch && this.clock.now() - this.fetchedAt >= REFETCH_AFTER_MS) {
        await this.refresh();
        return this.verify(token, false);
      }
      throw e;
    }
  }

  /** Claim validation, the mappings, then user validation: kube's order. */
  private userOf(claims: JWTPayload): Authenticated | undefined {
    const c = this.compiled;
    for (const rule of c.claimRules) {
      if (rule.program) {
        if (run(rule.program, 'claims', claims) !== true) throw new Error(rule.message ?? `claim validation rule failed: ${rule.program.expression}`);
      } else if (rule.claim !== undefined) {
        const value = claims[rule.claim];
        if (!(asStrings(value) ?? []).includes(rule.requiredValue ?? '')) throw new Error(`required claim ${rule.claim} not found or not equal to the required value`);
      }
    }
    const username = this.mapped(c.username, claims);
    if (typeof username !== 'string' || username === '') throw new Error('username claim not present');
    if (c.username.claim === 'email' && claims.email_verified !== undefined && claims.email_verified !== true) throw new Error('email not verified');
    const user: UserInfo = { username, groups: [] };
    if (c.groups) {
      const groups = c.groups.program ? run(c.groups.program, 'claims', claims) : claims[c.groups.claim ?? ''];
      const list = groups === undefined || groups === null ? [] : asStrings(groups);
      if (!list) throw new Error('groups claim is neither a string nor a list of strings');
      user.groups = list.map((g) => `${c.groups!.prefix ?? ''}${g}`);
    }
    if (c.uid) {
      const uid = c.uid.program ? run(c.uid.program, 'claims', claims) : claims[c.uid.claim ?? ''];
      if (typeof uid === 'string' && uid !== '') user.uid = uid;
    }
    for (const { key, program } of c.extra) {
      const values = asStrings(run(program, 'claims', claims));
      if (values && values.length > 0) (user.extra ??= {})[key] = values;
    }
    for (const rule of c.userRules) {
      if (run(rule.program, 'user', { username: user.username, uid: user.uid ?? '', groups: user.groups, extra: user.extra ?? {} }) !== true) {
        throw new Error(rule.message ?? `user validation rule failed: ${rule.program.expression}`);
      }
    }
    return { user };
  }

  private mapped(mapping: ClaimOrExpression & { program?: Program }, claims: JWTPayload): unknown {
    if (mapping.program) return run(mapping.program, 'claims', claims);
    const value = claims[mapping.claim ?? ''];
    return typeof value === 'string' ? `${mapping.prefix ?? ''}${value}` : undefined;
  }
}

/** A JWT's `iss`, unverified: which authenticator it is for. */
export function peekIssuer(token: string): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof claims.iss === 'string' ? claims.iss : undefined;
  } catch {
    return undefined;
  }
}
