// kube's label selector: the text grammar of ?labelSelector= (apimachinery's
// labels.Parse, with its lexer quirks and error wording) and metav1.LabelSelector.
//
//   selector    ::= requirement ("," requirement)*
//   requirement ::= ["!"] KEY [ ("in" | "notin") "(" VALUES ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]

export type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: Operator;
  /** Sorted and de-duplicated, as kube keeps them; empty for exists and `!`. */
  values: string[];
}

/** Every requirement must match; the empty selector matches everything. */
export type LabelSelector = Requirement[];

// --- validation (content.IsLabelKey / IsLabelValue) ------------------------

const NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const NAME = new RegExp(`^${NAME_FMT}$`);
const VALUE_FMT = `(${NAME_FMT})?`;
const VALUE = new RegExp(`^${VALUE_FMT}$`);
const DNS_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN_FMT = `${DNS_LABEL_FMT}(\\.${DNS_LABEL_FMT})*`;
const SUBDOMAIN = new RegExp(`^${SUBDOMAIN_FMT}$`);
const NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

function regexError(message: string, format: string, ...examples: string[]): string {
  return `${message} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${format}')`;
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Problems with a label key; empty when valid. */
export function labelKeyErrors(key: string): string[] {
  const errors: string[] = [];
  const parts = key.split('/');
  if (parts.length > 2) {
    return [`a valid label key ${regexError(NAME_MSG, NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix.length === 0) errors.push('prefix part must be non-empty');
    else {
      if (byteLength(prefix) > 253) errors.push('prefix part must be no more than 253 bytes');
      if (!SUBDOMAIN.test(prefix)) errors.push(`prefix part ${regexError(SUBDOMAIN_MSG, SUBDOMAIN_FMT, 'example.com')}`);
    }
  }
  if (name.length === 0) errors.push('name part must be non-empty');
  else if (byteLength(name) > 63) errors.push('name part must be no more than 63 bytes');
  if (!NAME.test(name)) errors.push(`name part ${regexError(NAME_MSG, NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errors;
}

/** Problems with a label value; empty when valid. */
export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 63) errors.push('must be no more than 63 bytes');
  if (!VALUE.test(value)) errors.push(regexError(VALUE_MSG, VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errors;
}

/** Go's %q for the strings a selector can hold. */
const quote = (s: string): string => JSON.stringify(s);

const invalid = (path: string, value: string, detail: string): string => `${path}: Invalid value: ${quote(value)}: ${detail}`;

const INT64 = /^[+-]?[0-9]+$/;
function parseInt64(s: string): bigint | undefined {
  if (!INT64.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

/** labels.NewRequirement's checks on an operator's values; errors joined as kube aggregates them. */
function requirementErrors(key: string, operator: Operator, values: string[], keyPath: string, rendered = JSON.stringify(values)): string | undefined {
  const errors: string[] = [];
  const keyErrors = labelKeyErrors(key);
  if (keyErrors.length > 0) errors.push(invalid(keyPath, key, keyErrors.join('; ')));
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errors.push(`values: Invalid value: ${rendered}: for 'in', 'notin' operators, values set can't be empty`);
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errors.push(`values: Invalid value: ${rendered}: exact-match compatibility requires one single value`);
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errors.push(`values: Invalid value: ${rendered}: values set must be empty for exists and does not exist`);
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errors.push(`values: Invalid value: ${rendered}: for 'Gt', 'Lt' operators, exactly one value is required`);
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) errors.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrors = labelValueErrors(v);
    if (valueErrors.length > 0) errors.push(invalid(`values[${i}][${key}]`, v, valueErrors.join('; ')));
  });
  const unique = [...new Set(errors)];
  if (unique.length === 0) return undefined;
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

// --- lexer ------------------------------------------------------------------

type Token = 'error' | 'end' | ')' | ',' | '!' | '==' | '=' | '>' | 'identifier' | 'in' | '<' | '!=' | 'notin' | '(';

interface Item {
  token: Token;
  literal: string;
}

const KEYWORDS: Readonly<Record<string, Token>> = {
  ')': ')',
  ',': ',',
  '!': '!',
  '==': '==',
  '=': '=',
  '>': '>',
  in: 'in',
  '<': '<',
  '!=': '!=',
  notin: 'notin',
  '(': '(',
};

const keyword = (s: string): Token | undefined => (Object.prototype.hasOwnProperty.call(KEYWORDS, s) ? KEYWORDS[s] : undefined);
const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => '=!(),><'.includes(c);

/** Splits the text the way kube's lexer does (a NUL ends the input, as it does there). */
function lex(text: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  const peek = (): string => (pos < text.length ? text[pos]! : '\0');
  for (;;) {
    while (isWhitespace(peek())) pos++;
    const c = peek();
    if (c === '\0') {
      items.push({ token: 'end', literal: '' });
      return items;
    }
    if (isSpecial(c)) {
      // Longest run of special characters that still forms an operator.
      let buffer = '';
      let last: Item | undefined;
      while (isSpecial(peek())) {
        buffer += peek();
        const token = keyword(buffer);
        if (token) last = { token, literal: buffer };
        else if (last) break;
        pos++;
      }
      items.push(last ?? { token: 'error', literal: `error expected: keyword found '${buffer}'` });
      continue;
    }
    let word = '';
    while (peek() !== '\0' && !isSpecial(peek()) && !isWhitespace(peek())) word += text[pos++];
    items.push({ token: keyword(word) ?? 'identifier', literal: word });
  }
}

// --- parser -----------------------------------------------------------------

class ParseError extends Error {}

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

class Parser {
  private position = 0;

  constructor(private readonly items: Item[]) {}

  /** In value position the keywords `in` and `notin` are plain identifiers. */
  private lookahead(values: boolean): Item {
    const item = this.items[Math.min(this.position, this.items.length - 1)]!;
    return values && (item.token === 'in' || item.token === 'notin') ? { token: 'identifier', literal: item.literal } : item;
  }

  private consume(values: boolean): Item {
    const item = this.lookahead(values);
    if (this.position < this.items.length - 1) this.position++;
    return item;
  }

  parse(): LabelSelector {
    const requirements: LabelSelector = [];
    for (;;) {
      const { token, literal } = this.lookahead(true);
      if (token === 'end') return requirements;
      if (token !== 'identifier' && token !== '!') throw new ParseError(`found '${literal}', expected: !, identifier, or 'end of string'`);
      try {
        requirements.push(this.requirement());
      } catch (e) {
        if (e instanceof ParseError) throw new ParseError(`unable to parse requirement: ${e.message}`);
        throw e;
      }
      const next = this.consume(true);
      if (next.token === 'end') return requirements;
      if (next.token !== ',') throw new ParseError(`found '${next.literal}', expected: ',' or 'end of string'`);
      const after = this.lookahead(true);
      if (after.token !== 'identifier' && after.token !== '!') throw new ParseError(`found '${after.literal}', expected: identifier after ','`);
    }
  }

  private requirement(): Requirement {
    let operator: Operator | undefined;
    let item = this.consume(true);
    if (item.token === '!') {
      operator = '!';
      item = this.consume(true);
    }
    if (item.token !== 'identifier') throw new ParseError(`found '${item.literal}', expected: identifier`);
    const key = item.literal;
    const keyErrors = labelKeyErrors(key);
    if (keyErrors.length > 0) throw new ParseError(invalid('<nil>', key, keyErrors.join('; ')));
    const next = this.lookahead(true).token;
    if (operator === undefined && (next === 'end' || next === ',')) operator = 'exists';
    if (operator === 'exists' || operator === '!') return this.build(key, operator, []);

    const op = this.consume(false);
    const binary: Partial<Record<Token, Operator>> = { in: 'in', notin: 'notin', '=': '=', '==': '==', '!=': '!=', '>': 'gt', '<': 'lt' };
    const parsed = binary[op.token];
    if (!parsed) throw new ParseError(`found '${op.literal}', expected: ${BINARY_OPERATORS}`);
    const values = parsed === 'in' || parsed === 'notin' ? this.valueSet() : this.exactValue();
    return this.build(key, parsed, [...new Set(values)].sort());
  }

  private build(key: string, operator: Operator, values: string[]): Requirement {
    const error = requirementErrors(key, operator, values, 'key');
    if (error) throw new ParseError(error);
    return { key, operator, values };
  }

  private valueSet(): string[] {
    const open = this.consume(true);
    if (open.token !== '(') throw new ParseError(`found '${open.literal}' expected: '('`);
    const first = this.lookahead(true);
    if (first.token === ')') {
      this.consume(true);
      return [''];
    }
    if (first.token !== 'identifier' && first.token !== ',') throw new ParseError(`found '${first.literal}', expected: ',', ')' or identifier`);
    const values = this.identifiers();
    // kube reports the token that opened the list here, not the offending one.
    if (this.consume(true).token !== ')') throw new ParseError(`found '${first.literal}', expected: ')'`);
    return values;
  }

  /** A comma-separated list where empty entries (`(,a)`, `(a,,b)`, `(a,)`) stand for "". */
  private identifiers(): string[] {
    const values: string[] = [];
    for (;;) {
      const item = this.consume(true);
      if (item.token === 'identifier') {
        values.push(item.literal);
        const next = this.lookahead(true);
        if (next.token === ',') continue;
        if (next.token === ')') return values;
        throw new ParseError(`found '${next.literal}', expected: ',' or ')'`);
      }
      if (item.token === ',') {
        if (values.length === 0) values.push('');
        const next = this.lookahead(true).token;
        if (next === ')') {
          values.push('');
          return values;
        }
        if (next === ',') values.push('');
        continue;
      }
      throw new ParseError(`found '${item.literal}', expected: ',', or identifier`);
    }
  }

  private exactValue(): string[] {
    const next = this.lookahead(true).token;
    if (next === 'end' || next === ',') return [''];
    const item = this.consume(true);
    if (item.token === 'identifier') return [item.literal];
    throw new ParseError(`found '${item.literal}', expected: identifier`);
  }
}

/** Parses `?labelSelector=`; the error text is what kube puts in its 400. */
export function parseLabelSelector(text: string): LabelSelector | { error: string } {
  try {
    const requirements = new Parser(lex(text)).parse();
    return requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  } catch (e) {
    if (e instanceof ParseError) return { error: e.message };
    throw e;
  }
}

// --- matching ---------------------------------------------------------------

export function matchesRequirement(r: Requirement, labels: Readonly<Record<string, string>> | undefined): boolean {
  const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return value !== undefined && r.values.includes(value);
    case 'notin':
    case '!=':
      // A missing label is "not equal" too.
      return value === undefined || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (value === undefined || r.values.length !== 1) return false;
      const actual = parseInt64(value);
      const bound = parseInt64(r.values[0]!);
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  return selector.every((r) => matchesRequirement(r, labels));
}

/** kube's canonical rendering (Requirement.String), e.g. `a in (x,y),!b,c=d`. */
export function formatLabelSelector(selector: LabelSelector): string {
  return selector
    .map((r) => {
      switch (r.operator) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.operator} (${r.values.join(',')})`;
        case 'gt':
          return `${r.key}>${r.values[0] ?? ''}`;
        case 'lt':
          return `${r.key}<${r.values[0] ?? ''}`;
        default:
          return `${r.key}${r.operator}${r.values[0] ?? ''}`;
      }
    })
    .join(',');
}

// --- metav1.LabelSelector ---------------------------------------------------

/** metav1.LabelSelector, as RBAC aggregation rules and workload selectors carry it. */
export interface Metav1LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

const METAV1_OPERATORS: Readonly<Record<string, Operator>> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/** metav1.LabelSelectorAsSelector: the same requirements as the text grammar, or kube's error. */
export function parseMetav1LabelSelector(selector: Metav1LabelSelector): LabelSelector | { error: string } {
  const requirements: LabelSelector = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const error = requirementErrors(key, '=', [value], 'key');
    if (error) return { error };
    requirements.push({ key, operator: '=', values: [value] });
  }
  for (const expression of selector.matchExpressions ?? []) {
    const operator = Object.prototype.hasOwnProperty.call(METAV1_OPERATORS, expression.operator) ? METAV1_OPERATORS[expression.operator] : undefined;
    if (!operator) return { error: `${quote(String(expression.operator))} is not a valid label selector operator` };
    // Unlike the text grammar, kube keeps these values as given (and renders a missing list as null).
    const values = [...(expression.values ?? [])];
    const error = requirementErrors(expression.key, operator, values, 'key', expression.values ? undefined : 'null');
    if (error) return { error };
    requirements.push({ key: expression.key, operator, values });
  }
  return requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** As parseMetav1LabelSelector, with undefined where kube would reject the selector. */
export function labelSelectorFromMetav1(selector: Metav1LabelSelector): LabelSelector | undefined {
  const parsed = parseMetav1LabelSelector(selector);
  return 'error' in parsed ? undefined : parsed;
}
