// kube's --token-auth-file format and bearer-token header, as
// k8s.io/apiserver's tokenfile and bearertoken packages read them.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bearerTokenOf, bearerTokenWarning, parseTokenAuthFile, readTokenAuthFile } from '../../actors/authn/token-file.js';
import { tempDir } from '../support/temp.js';

const parse = (text: string) => {
  const warnings: string[] = [];
  const tokens = parseTokenAuthFile(text, '/etc/tokens.csv', (w) => warnings.push(w));
  return { tokens, warnings };
};

const failure = (text: string): string => {
  try {
    parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail('expected the file to be rejected');
};

describe('token auth file', () => {
  it('reads token, user, uid and a quoted list of groups', () => {
    const { tokens, warnings } = parse('abc123,alice,1001,"dev,ops"\nxyz789,bob,1002\n');
    assert.deepEqual(tokens.get('abc123'), { username: 'alice', uid: '1001', groups: ['dev', 'ops'] });
    assert.deepEqual(tokens.get('xyz789'), { username: 'bob', uid: '1002', groups: [] });
    assert.equal(tokens.size, 2);
    assert.deepEqual(warnings, []);
  });

  it('accepts an unquoted single group, extra columns, CRLF line ends and blank lines', () => {
    const { tokens } = parse('t1,carol,7,admins,ignored\r\n\r\n\nt2,dave,8\r\n');
    assert.deepEqual(tokens.get('t1'), { username: 'carol', uid: '7', groups: ['admins'] });
    assert.deepEqual(tokens.get('t2'), { username: 'dave', uid: '8', groups: [] });
  });

  it('leaves out an empty uid', () => {
    assert.deepEqual(parse('t,erin,').tokens.get('t'), { username: 'erin', groups: [] });
  });

  it('takes fields as written: no trimming, and quotes may hold doubled quotes', () => {
    const { tokens } = parse('t, frank ,9,"a ""b"""');
    assert.deepEqual(tokens.get('t'), { username: ' frank ', uid: '9', groups: ['a "b"'] });
  });

  it('rejects a record with fewer than three columns, naming the line in one line of text', () => {
    const message = failure('a,alice,1\n\nb,bob\n');
    assert.equal(message, 'token-auth-file /etc/tokens.csv: line 3: must have at least 3 columns (token, user name, user uid), found 2');
    assert.ok(!message.includes('\n'));
  });

  it('has no comment syntax, as kube has none: a `#` line is a short record', () => {
    assert.match(failure('# tokens\na,alice,1\n'), /line 1: must have at least 3 columns .*found 1$/);
  });

  it('rejects stray quotes as encoding/csv does', () => {
    assert.equal(failure('a,al"ice,1\n'), 'token-auth-file /etc/tokens.csv: line 1, column 5: bare " in non-quoted-field');
    assert.match(failure('a,alice,1,"dev\n'), /^token-auth-file \/etc\/tokens\.csv: line 1, column \d+: extraneous or missing " in quoted-field$/);
  });

  it('lets a quoted field run over lines, counting lines from where each record starts', () => {
    const message = failure('a,alice,1,"dev,\nops"\nb,bob\n');
    assert.match(message, /: line 3: .*found 2$/);
  });

  it('warns about a repeated token and keeps the later line', () => {
    const { tokens, warnings } = parse('t,alice,1\nt,bob,2\n');
    assert.equal(tokens.get('t')?.username, 'bob');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /line 2: duplicate token/);
  });

  it('skips a record with an empty token, with a warning', () => {
    const { tokens, warnings } = parse(',alice,1\nt,bob,2\n');
    assert.deepEqual([...tokens.keys()], ['t']);
    assert.match(warnings[0]!, /line 1: empty token/);
  });

  it('reads the file from disk, and says plainly when it is missing', () => {
    const dir = tempDir('token-file');
    const file = join(dir, 'tokens.csv');
    writeFileSync(file, 'secret,alice,1,"a,b"\n');
    assert.deepEqual(readTokenAuthFile(file).get('secret'), { username: 'alice', uid: '1', groups: ['a', 'b'] });
    assert.throws(() => readTokenAuthFile(join(dir, 'absent.csv')), { message: `token-auth-file ${join(dir, 'absent.csv')}: no such file or directory` });
  });
});

describe('bearer token header', () => {
  it('takes the token after `Bearer`, the scheme in any case', () => {
    assert.equal(bearerTokenOf('Bearer abc'), 'abc');
    assert.equal(bearerTokenOf('bearer abc'), 'abc');
    assert.equal(bearerTokenOf('BEARER abc'), 'abc');
    assert.equal(bearerTokenOf('  Bearer abc  '), 'abc');
  });

  it('finds no token in other schemes, a missing header or an empty token', () => {
    assert.equal(bearerTokenOf(undefined), undefined);
    assert.equal(bearerTokenOf(''), undefined);
    assert.equal(bearerTokenOf('Basic YWxpY2U6cHc='), undefined);
    assert.equal(bearerTokenOf('Bearer'), undefined);
    assert.equal(bearerTokenOf('Bearer '), undefined);
    assert.equal(bearerTokenOf('Bearertoken'), undefined);
  });

  it('splits on single spaces as kube does: a doubled space hides the token, and it warns', () => {
    assert.equal(bearerTokenOf('Bearer  abc'), undefined);
    assert.match(bearerTokenWarning('Bearer  abc') ?? '', /extra space before the bearer token/);
    assert.equal(bearerTokenWarning('Bearer abc'), undefined);
    assert.equal(bearerTokenOf('Bearer abc def'), 'abc');
  });
});
