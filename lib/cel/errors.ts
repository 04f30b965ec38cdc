// The texts cel-go gives for compile and runtime errors, from
// @marcbachmann/cel-js's errors: kube puts them verbatim into its causes
// ("compilation failed: ERROR: <input>:1:6: undefined field 'foo'\n | ...").

import { CostLimitExceeded } from './cost.js';

interface LibraryError { name?: string; code?: string; message: string; summary?: string; range?: { start: number; end: number }; node?: { pos?: number; start?: number } }

const OPERATORS: Record<string, string> = {
  '+': '_+_', '-': '_-_', '*': '_*_', '/': '_/_', '%': '_%_', '==': '_==_', '!=': '_!=_',
  '<': '_<_', '<=': '_<=_', '>': '_>_', '>=': '_>=_', in: '@in', '!': '!_',
};

/** cel-go spells parameterised types with parentheses: list(int), map(string, dyn). */
const celGoType = (t: string): string => t.replace(/</g, '(').replace(/>/g, ')');

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** The checker's message in cel-go's words. */
function checkMessage(e: LibraryError): string {
  const text = firstLine(e.message);
  switch (e.code) {
    case 'no_such_key':
      return `undefined field '${text.replace(/^No such key: /, '')}'`;
    case 'unknown_variable':
      return `undeclared reference to '${text.replace(/^Unknown variable: /, '')}' (in container '')`;
    case 'no_such_overload': {
      const m = /^no such overload: (.+?) (\S+) (.+)$/.exec(text);
      if (m) return `found no matching overload for '${OPERATORS[m[2] as string] ?? m[2]}' applied to '(${celGoType(m[1] as string)}, ${celGoType(m[3] as string)})'`;
      return text;
    }
    case 'no_matching_overload': {
      const m = /^found no matching overload for '(.*)'$/.exec(text);
      const call = m ? /^(?:(.*)\.)?([A-Za-z_][\w]*)\((.*)\)$/.exec(m[1] as string) : null;
      if (!call) return text;
      const [, receiver, name, params] = call;
      return `found no matching overload for '${name}' applied to '${receiver ? `${celGoType(receiver)}.` : ''}(${celGoType(params ?? '')})'`;
    }
    default:
      return e.name === 'ParseError' ? `Syntax error: ${text}` : celGoType(text);
  }
}

/** cel-go's issues.String(): `ERROR: <input>:line:col: message` and the source line with a caret. */
export function compileErrorText(expression: string, error: unknown): string {
  const e = error as LibraryError;
  const at = e.range?.start ?? e.node?.start ?? e.node?.pos ?? 0;
  const before = expression.slice(0, at);
  const line = before.split('\n').length;
  const column = at - (before.lastIndexOf('\n') + 1);
  const sourceLine = expression.split('\n')[line - 1] ?? '';
  return `ERROR: <input>:${line}:${column + 1}: ${checkMessage(e)}\n | ${sourceLine}\n | ${'.'.repeat(column)}^`;
}

/** A runtime error as cel-go words it (the part kube prints before " evaluating rule: …"). */
export function runtimeErrorText(error: unknown): string {
  if (error instanceof CostLimitExceeded) return error.message;
  const e = error as LibraryError;
  const text = firstLine(e.message ?? String(error));
  switch (e.code) {
    case 'no_such_key':
      return text.replace(/^No such key: /, 'no such key: ');
    case 'index_out_of_bounds': {
      const m = /index (-?\d+) >= size (\d+)/.exec(text) ?? /index (-?\d+)/.exec(text);
      return m ? `index '${m[1]}' out of range in list size '${m[2] ?? ''}'` : text;
    }
    case 'modulo_by_zero':
      return 'modulus by zero';
    case 'numeric_overflow':
      return 'integer overflow';
    case 'no_such_overload':
    case 'no_matching_overload':
      return `no such overload: ${celGoType(text.replace(/^(no such overload: |found no matching overload for )/, ''))}`;
    default:
      return text;
  }
}
