// The authenticators the authn actor runs, from the options, in kube's order
// (pkg/kubeapiserver/authenticator): request header, x509 (authn adds it),
// then the bearer token's: token file (authn's static tokens), service
// account tokens, bootstrap tokens, OIDC / JWT, webhook; then anonymous.

import type { RequestHandler } from '../../protocol/messages/request.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import { JwtAuthenticator } from '../authn/jwt.js';
import { BootstrapTokens } from '../authn/bootstrap-tokens.js';
import { audienceAgnostic } from '../authn/audience-agnostic.js';
import { WebhookTokenAuthenticator } from '../authn/webhook-token.js';
import type { WebhookClient } from '../../lib/webhook-client.js';
import type { AuthnInput } from '../authn/authn-machine.js';
import type { Observer } from '../../protocol/messages/store.js';
import type { TokenAuthenticator } from '../authn/authenticator.js';
import { ServiceAccountTokens } from '../authn/service-account-tokens.js';
import type { ServiceAccountIssuer } from '../authn/service-account-keys.js';
import type { CompletedOptions } from './options.js';
import type { RuntimeFiles } from './runtime-files.js';

type StoreLookup = (plural: string, group: string) => (RequestHandler & Observer['store']) | undefined;

export function authenticatorsOf(options: CompletedOptions, files: RuntimeFiles, store: StoreLookup, clock: Clock, ownAddress: () => string, logger: Log, webhookClient: WebhookClient): Pick<AuthnInput, 'tokenAuthenticators' | 'requestAuthenticators' | 'observers' | 'serviceAccounts' | 'anonymousAuth' | 'anonymousPaths'> {
  const { raw } = options;
  const tokenAuthenticators: TokenAuthenticator[] = [];
  const observers: Observer[] = [];
  const issuer: ServiceAccountIssuer = {
    issuers: raw.serviceAccountIssuer,
    apiAudiences: raw.apiAudiences.length > 0 ? raw.apiAudiences : raw.serviceAccountIssuer,
    signing: files.serviceAccountKey,
    keys: files.serviceAccountVerifyingKeys,
    maxExpirationSeconds: options.serviceAccountMaxExpirationSeconds,
    jwksUri: () => raw.serviceAccountJwksUri ?? `${ownAddress()}/openid/v1/jwks`,
  };
  const serviceAccounts = new ServiceAccountTokens(issuer, clock);
  tokenAuthenticators.push(serviceAccounts);
  for (const resource of serviceAccounts.resources) {
    const handler = store(resource, '');
    if (handler) observers.push({ resource, store: handler, observe: (namespace, name, object) => serviceAccounts.observe(resource, namespace, name, object) });
  }
  if (raw.enableBootstrapTokenAuth) {
    const bootstrap = new BootstrapTokens(clock);
    tokenAuthenticators.push(audienceAgnostic(issuer.apiAudiences, bootstrap));
    const secrets = store('secrets', '');
    if (secrets) observers.push({ resource: 'secrets', store: secrets, observe: (namespace, name, object) => bootstrap.observe(namespace, name, object) });
  }
  // Then OIDC / JWT, one authenticator per issuer.
  files.authentication.jwt.forEach((config, i) => tokenAuthenticators.push(audienceAgnostic(issuer.apiAudiences, new JwtAuthenticator(config, `jwt[${i}]`, clock, logger))));
  if (files.webhooks.token) {
    const version = raw.authenticationTokenWebhookVersion as 'v1' | 'v1beta1';
    tokenAuthenticators.push(new WebhookTokenAuthenticator(files.webhooks.token, { version, cacheTtlMs: options.webhookTtls.token }, webhookClient, clock, logger));
  }
  const anonymous = files.authentication.anonymous;
  return {
    anonymousAuth: anonymous ? anonymous.enabled : raw.anonymousAuth,
    anonymousPaths: anonymous?.paths,
    tokenAuthenticators,
    requestAuthenticators: files.requestHeader ? [files.requestHeader] : [],
    observers,
    serviceAccounts: { issuer, stores: (plural) => store(plural, '') },
  };
}
