// kube's static token authentication: the `--token-auth-file` CSV
// (`token,user,uid,"group1,group2"`) and the `Authorization: Bearer` header
// that carries one of its tokens.

import { readFileSync } from 'node:fs';
import type { UserInfo } from '../../protocol/kube/meta.js';

/** What kube warns a client about when its header has a space too many before the token. */
export const EXTRA_SPACE_WARNING = 'the provided Authorization header contains extra space before the bearer token, and is ignored';

/**
 * The header split as kube's bearer-token authenticator splits it: on single
 * spaces, at most three parts, so `Bearer a b` carries token `a` and
 * `Bearer  a` (two spaces) carries none.
 */
function bearerParts(authorization: string | undefined): { token: string; extraSpace: boolean } | undefined {
  const header = authorization?.trim() ?? '';
  if (header === '') return undefined;
  const parts = header.split(' ');
  if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer') return undefined;
  return { token: parts[1]!, extraSpace: parts.length > 2 };
}

/** The bearer token of an Authorization header; the scheme is matched in any case, and an empty token is none. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  const parts = bearerParts(authorization);
  return parts && parts.token !== '' ? parts.token : undefined;
}

/** The warning kube adds when a bearer header was ignored because of a doubled space; undefined otherwise. */
export function bearerTokenWarning(authorization: string | undefined): string | undefined {
  const parts = bearerParts(authorization);
  return parts && parts.token === '' && parts.extraSpace ? EXTRA_SPACE_WARNING : undefined;
}

// ---------------------------------------------------------------- CSV

interface CsvRecord {
  /** 1-based line the record starts on. */
  line: number;
  fields: string[];
}

class CsvError extends Error {
  constructor(line: number, column: number, reason: string) {
    super(`line ${line}, column ${column}: ${reason}`);
  }
}

const BARE_QUOTE = 'bare " in non-quoted-field';
const QUOTE = 'extraneous or missing " in quoted-field';

/**
 * Go's encoding/csv as kube configures it (comma-separated, any number of
 * fields, no comment character, no trimming): blank lines are skipped,
 * quoted fields may hold commas, doubled quotes and line breaks, and a quote
 * anywhere else is an error.
 */
function parseCsv(text: string): CsvRecord[] {
  if (text === '') return [];
  // A final newline ends the last line rather than starting an empty one.
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const lines = body.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const records: CsvRecord[] = [];
  let k = 0;
  while (k < lines.length) {
    let line = lines[k]!;
    const start = k + 1;
    if (line === '') {
      k++;
      continue;
    }
    const fields: string[] = [];
    let pos = 0;
    for (;;) {
      if (line[pos] === '"') {
        let value = '';
        pos++;
        for (;;) {
          const close = line.indexOf('"', pos);
          if (close < 0) {
            // The field runs on to the next line.
            value += `${line.slice(pos)}\n`;
            if (k + 1 >= lines.length) throw new CsvError(k + 1, line.length + 1, QUOTE);
            line = lines[++k]!;
            pos = 0;
            continue;
          }
          value += line.slice(pos, close);
          pos = close + 1;
          const next = line[pos];
          if (next === '"') {
            value += '"';
            pos++;
            continue;
          }
          if (next === ',' || next === undefined) break;
          throw new CsvError(k + 1, pos + 1, QUOTE);
        }
        fields.push(value);
        if (line[pos] === undefined) break;
        pos++;
      } else {
        const comma = line.indexOf(',', pos);
        const value = line.slice(pos, comma < 0 ? line.length : comma);
        const quote = value.indexOf('"');
        if (quote >= 0) throw new CsvError(k + 1, pos + quote + 1, BARE_QUOTE);
        fields.push(value);
        if (comma < 0) break;
        pos = comma + 1;
      }
    }
    records.push({ line: start, fields });
    k++;
  }
  return records;
}

// ---------------------------------------------------------------- token file

export type WarningSink = (message: string) => void;

const stderrWarning: WarningSink = (message) => {
  process.stderr.write(`warning: ${message}\n`);
};

/**
 * Parses a token file's text into users by token. kube's rules: at least
 * three columns (token, user name, uid), an optional fourth of
 * comma-separated groups, all taken as written; a record with an empty token
 * is skipped with a warning; a repeated token warns and the later line wins.
 */
export function parseTokenAuthFile(text: string, path: string, warn: WarningSink = stderrWarning): Map<string, UserInfo> {
  const where = `token-auth-file ${path}`;
  let records: CsvRecord[];
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvError) throw new Error(`${where}: ${e.message}`);
    throw e;
  }
  const tokens = new Map<string, UserInfo>();
  for (const { line, fields } of records) {
    if (fields.length < 3) {
      throw new Error(`${where}: line ${line}: must have at least 3 columns (token, user name, user uid), found ${fields.length}`);
    }
    const [token, username, uid, groups] = fields as [string, string, string, ...string[]];
    if (token === '') {
      warn(`${where}: line ${line}: empty token, record ignored`);
      continue;
    }
    if (tokens.has(token)) warn(`${where}: line ${line}: duplicate token, this line replaces the earlier one`);
    const user: UserInfo = { username, groups: groups === undefined ? [] : groups.split(',') };
    if (uid !== '') user.uid = uid;
    tokens.set(token, user);
  }
  return tokens;
}

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
};

export function readTokenAuthFile(path: string, warn: WarningSink = stderrWarning): Map<string, UserInfo> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    throw new Error(`token-auth-file ${path}: ${READ_ERRORS[error.code ?? ''] ?? error.message}`);
  }
  return parseTokenAuthFile(text, path, warn);
}
