// The one vocabulary of errors users see: kube's metav1.Status reasons, their
// HTTP codes, and the message wording clients match on.
// Constructors here are pure: they build data and decide nothing.

export type StatusReason =
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'Invalid'
  | 'TooManyRequests'
  | 'BadRequest'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

export const statusCodeOf: Readonly<Record<StatusReason, number>> = {
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  BadRequest: 400,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

export interface StatusCause {
  /** metav1.StatusCause's Type, which kube serializes as `reason`. */
  reason?: string;
  field?: string;
  message: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string; continue?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason | '';
  details?: StatusDetails;
  code: number;
}

/** The group-qualified resource as kube prints it in messages: `configmaps`, `roles.rbac.authorization.k8s.io`. */
export interface GroupResource {
  group: string;
  resource: string;
}

export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export function failure(reason: StatusReason, message: string, details?: StatusDetails, code?: number): Status {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code: code ?? statusCodeOf[reason],
  };
  if (details) status.details = details;
  return status;
}

export function success(details?: StatusDetails): Status {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details) status.details = details;
  return status;
}

function detailsOf(gr: GroupResource, name: string): StatusDetails {
  return gr.group ? { name, group: gr.group, kind: gr.resource } : { name, kind: gr.resource };
}

export const notFound = (gr: GroupResource, name: string): Status =>
  failure('NotFound', `${qualifiedResource(gr)} "${name}" not found`, detailsOf(gr, name));

export const alreadyExists = (gr: GroupResource, name: string): Status =>
  failure('AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, detailsOf(gr, name));

export const conflict = (gr: GroupResource, name: string, why: string): Status =>
  failure('Conflict', `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`, detailsOf(gr, name));

export const OBJECT_MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

export const invalid = (kind: string, group: string, name: string, causes: StatusCause[]): Status =>
  failure(
    'Invalid',
    `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ')}`,
    { name, group, kind, causes },
  );

export const forbidden = (gr: GroupResource, name: string, why: string): Status =>
  failure(
    'Forbidden',
    name ? `${qualifiedResource(gr)} "${name}" is forbidden: ${why}` : `${qualifiedResource(gr)} is forbidden: ${why}`,
    detailsOf(gr, name),
  );

export const badRequest = (message: string): Status => failure('BadRequest', message);
export const internalError = (message: string): Status =>
  failure('InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
export const methodNotAllowed = (): Status =>
  failure('MethodNotAllowed', 'the server does not allow this method on the requested resource');
export const resourceNotFound = (): Status => failure('NotFound', 'the server could not find the requested resource', {});
export const unauthorized = (): Status => failure('Unauthorized', 'Unauthorized');
export const tooManyRequests = (retryAfterSeconds: number): Status =>
  failure('TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds });
export const serviceUnavailable = (message: string): Status => failure('ServiceUnavailable', message);
export const timeout = (message: string): Status => failure('Timeout', message);
export const entityTooLarge = (limitBytes: number): Status =>
  failure('RequestEntityTooLarge', `the request body is too large, limit is ${limitBytes} bytes`);
export const unsupportedMediaType = (contentType: string): Status =>
  failure('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${contentType})`);
export const gone = (message: string): Status => failure('Gone', message);
export const expired = (message: string): Status => failure('Expired', message);

/** storage.NewTooLargeResourceVersionError: what a read gets for a resourceVersion the server has not reached. */
export const tooLargeResourceVersion = (wanted: number, current: number): Status =>
  failure('Timeout', `Timeout: Too large resource version: ${wanted}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });

/** A list asked for at a resourceVersion compaction has removed. */
export const LIST_TOO_OLD = 'The resourceVersion for the provided list is too old.';

/** A continue token older than compaction: kube offers a token that continues at the latest revision instead. */
export const CONTINUE_TOO_OLD = 'The provided continue parameter is too old to display a consistent list result. '
  + 'You can start a new list without the continue parameter, or use the continue token in this response to retrieve '
  + 'the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that '
  + 'were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';
