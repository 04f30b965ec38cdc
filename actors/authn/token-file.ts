// kube's --token-auth-file: CSV lines `token,user,uid,"group1,group2"`.

import { readFileSync } from 'node:fs';
import type { UserInfo } from '../../protocol/kube/meta.js';

/** The bearer token of an Authorization header; kube accepts the scheme in any case. An empty token is none. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^bearer\s+(.*)$/i.exec(authorization.trim());
  const token = match?.[1]?.trim();
  return token ? token : undefined;
}

/** Splits one CSV record, honouring double quotes as encoding/csv does. */
function csvFields(line: string): string[] | undefined {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"' && current === '') quoted = true;
    else if (c === ',') {
      fields.push(current);
      current = '';
    } else current += c;
  }
  if (quoted) return undefined;
  fields.push(current);
  return fields;
}

export function parseTokenAuthFile(text: string, path: string): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `token-auth-file ${path}: line ${index + 1}`;
    const fields = csvFields(line);
    if (!fields) throw new Error(`${where}: unterminated quoted field`);
    if (fields.length < 3) throw new Error(`${where}: want at least 3 columns (token,user,uid), got ${fields.length}`);
    const [token, username, uid, groups] = fields.map((f) => f.trim()) as [string, string, string, string | undefined];
    if (!token) throw new Error(`${where}: the token is empty`);
    const user: UserInfo = { username, uid, groups: groups ? groups.split(',').map((g) => g.trim()).filter(Boolean) : [] };
    tokens.set(token, user);
  });
  return tokens;
}

export function readTokenAuthFile(path: string): Map<string, UserInfo> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`token-auth-file ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return parseTokenAuthFile(text, path);
}
