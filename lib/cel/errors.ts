// The texts cel-go gives for compile and runtime errors, from
// @marcbachmann/cel-js's errors: kube puts them verbatim into its causes
// ("compilation failed: ERROR: <input>:1:6: undefined field 'foo'\n | ...").

import { CostLimitExceeded } from './cost.js';

interface LibraryNode { op?: string; pos?: number; start?: number; end?: number; args?: unknown }
interface LibraryError { name?: string; code?: string; message: string; summary?: string; range?: { start: number; end: number }; node?: LibraryNode }

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

/** Operators cel-go places at their own token, after their first operand: `a == b` at `==`, `a.b` at `.`, `a[b]` at `[`. */
const AFTER_FIRST_OPERAND = new Set(['==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', 'in', '&&', '||', '[]', '[?]', '?:', '.', '.?']);

/** Where cel-go reports an error: the token of the failing operator or call (its `(`), else the node's start. */
export function errorPosition(expression: string, error: unknown): number {
  const e = error as LibraryError;
  const start = e.range?.start ?? e.node?.start ?? e.node?.pos ?? 0;
  const node = e.node;
  if (!node || !Array.isArray(node.args) || (e.range && node.start !== undefined && e.range.start < node.start)) return start;
  const args = node.args as (LibraryNode | string)[];
  const first = node.op === 'rcall' ? args[1] : args[0];
  if (node.op === 'call' && node.start !== undefined) return Math.max(expression.indexOf('(', node.start), start);
  if (typeof first !== 'object' || first.end === undefined) return start;
  if (node.op === 'rcall') return Math.max(expression.indexOf('(', first.end), start);
  if (!AFTER_FIRST_OPERAND.has(node.op ?? '')) return start;
  let at = first.end;
  while (at < expression.length && /[\s)]/.test(expression[at] as string)) at++;
  return at;
}

/** cel-go's issues.String(): `ERROR: <input>:line:col: message` and the source line with a caret. */
export function compileErrorText(expression: string, error: unknown): string {
  const e = error as LibraryError;
  const at = errorPosition(expression, e);
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
