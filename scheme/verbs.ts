import type { Verb } from '../protocol/messages/request.js';

export const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
export const CREATE_ONLY: readonly Verb[] = ['create'];
