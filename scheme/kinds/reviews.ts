// Review kinds are not stored: the actor that owns the decision answers them.

import type { KindDescription } from '../kind-description.js';
import { CREATE_ONLY } from '../verbs.js';

const review = { version: 'v1', shortNames: [], categories: [], verbs: CREATE_ONLY, tracksGeneration: false } as const;

export const selfSubjectAccessReview: KindDescription = {
  ...review,
  group: 'authorization.k8s.io',
  kind: 'SelfSubjectAccessReview',
  plural: 'selfsubjectaccessreviews',
  singular: 'selfsubjectaccessreview',
  namespaced: false,
  definition: 'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
  servedBy: 'authz',
};

export const selfSubjectRulesReview: KindDescription = {
  ...review,
  group: 'authorization.k8s.io',
  kind: 'SelfSubjectRulesReview',
  plural: 'selfsubjectrulesreviews',
  singular: 'selfsubjectrulesreview',
  namespaced: false,
  definition: 'io.k8s.api.authorization.v1.SelfSubjectRulesReview',
  servedBy: 'authz',
};

export const subjectAccessReview: KindDescription = {
  ...review,
  group: 'authorization.k8s.io',
  kind: 'SubjectAccessReview',
  plural: 'subjectaccessreviews',
  singular: 'subjectaccessreview',
  namespaced: false,
  definition: 'io.k8s.api.authorization.v1.SubjectAccessReview',
  servedBy: 'authz',
};

export const selfSubjectReview: KindDescription = {
  ...review,
  group: 'authentication.k8s.io',
  kind: 'SelfSubjectReview',
  plural: 'selfsubjectreviews',
  singular: 'selfsubjectreview',
  namespaced: false,
  definition: 'io.k8s.api.authentication.v1.SelfSubjectReview',
  servedBy: 'authn',
};
