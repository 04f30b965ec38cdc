// The slice of @marcbachmann/cel-js's Environment the library files register into.

import type { Environment } from '@marcbachmann/cel-js';

export type CelEnvironment = InstanceType<typeof Environment>;

/** A CEL runtime error raised by a library function (cel-go's types.NewErr text). */
export class CelRuntimeError extends Error {}
