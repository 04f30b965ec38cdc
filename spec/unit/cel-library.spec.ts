// Kubernetes' CEL environment: the libraries kube adds to CEL's standard ones,
// with cases after kube's own library tests (k8s.io/apiserver/pkg/cel/library).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateExpression } from '../../lib/cel/policy.js';

const cel = (expression: string, variables?: Record<string, unknown>) => evaluateExpression(expression, variables);
const celError = (expression: string): string => {
  try {
    cel(expression);
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail(`${expression} evaluated, but kube refuses it`);
};
const each = (cases: Record<string, unknown>) => {
  for (const [expression, want] of Object.entries(cases)) assert.deepEqual(cel(expression), want, expression);
};

describe('CEL: the strings extension (version 2)', () => {
  it('charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace, split, substring, trim and join', () => {
    each({
      '"hello".charAt(1)': 'e',
      '"hello".charAt(5)': '',
      '"hello".indexOf("l")': 2n,
      '"hello".indexOf("l", 3)': 3n,
      '"hello".lastIndexOf("l")': 3n,
      '"TacoCat".lowerAscii()': 'tacocat',
      '"TacoCat".upperAscii()': 'TACOCAT',
      '"hello hello".replace("he", "we")': 'wello wello',
      '"hello hello".replace("he", "we", 1)': 'wello hello',
      '"a,b,c".split(",")': ['a', 'b', 'c'],
      '"a,b,c".split(",", 2)': ['a', 'b,c'],
      '"tacocat".substring(4)': 'cat',
      '"tacocat".substring(0, 4)': 'taco',
      '"  \\ttrim\\n ".trim()': 'trim',
      '["a", "b", "c"].join("-")': 'a-b-c',
      '["a", "b"].join()': 'ab',
      'strings.quote("a\\"b")': '"a\\"b"',
    });
  });

  it('format fills %s, %d and %f from a list', () => {
    each({
      '"%s, %s!".format(["hello", "world"])': 'hello, world!',
      '"%d items".format([3])': '3 items',
      '"%.2f".format([3.14159])': '3.14',
      '"100%%".format([])': '100%',
    });
  });

  it('refuses an index past the end of the string', () => {
    assert.match(celError('"abc".charAt(4)'), /index out of range: 4/);
  });
});

describe('CEL: the lists library', () => {
  it('isSorted, sum, min, max, indexOf and lastIndexOf', () => {
    each({
      '[1, 2, 3].isSorted()': true,
      '[3, 1].isSorted()': false,
      '["a", "b"].isSorted()': true,
      '[1, 2, 3].sum()': 6n,
      '[1.5, 2.0].sum()': 3.5,
      '[].sum()': 0n,
      '[3, 1, 2].min()': 1n,
      '["b", "c", "a"].max()': 'c',
      '[1, 2, 1].indexOf(1)': 0n,
      '[1, 2, 1].lastIndexOf(1)': 2n,
      '[1, 2].indexOf(3)': -1n,
    });
  });

  it('min of an empty list is an error', () => {
    assert.match(celError('[].min()'), /min called on empty list/);
  });

  it('sets: contains, equivalent and intersects', () => {
    each({
      'sets.contains([1, 2, 3], [3, 1])': true,
      'sets.contains([1], [2])': false,
      'sets.equivalent([1, 2], [2, 1, 1])': true,
      'sets.intersects([1, 2], [2, 5])': true,
      'sets.intersects([1], [5])': false,
    });
  });
});

describe('CEL: the regex library', () => {
  it('find and findAll', () => {
    each({
      '"abc 123 def 456".find("[0-9]+")': '123',
      '"abc".find("[0-9]+")': '',
      '"abc 123 def 456".findAll("[0-9]+")': ['123', '456'],
      '"abc 123 def 456".findAll("[0-9]+", 1)': ['123'],
      '"k8s.io".matches("^[a-z0-9.]+$")': true,
    });
  });
});

describe('CEL: the URLs library', () => {
  it('parses absolute URIs and absolute paths into their parts', () => {
    each({
      'url("https://example.com:8080/path?x=1").getScheme()': 'https',
      'url("https://example.com:8080/path").getHost()': 'example.com:8080',
      'url("https://example.com:8080/path").getHostname()': 'example.com',
      'url("https://example.com:8080/path").getPort()': '8080',
      'url("https://[::1]:80/").getHostname()': '::1',
      'url("/absolute/path").getEscapedPath()': '/absolute/path',
      'isURL("https://example.com")': true,
      'isURL("relative/path")': false,
    });
    assert.deepEqual(cel('url("https://e.com/?a=1&a=2&b=x").getQuery()'), new Map([['a', ['1', '2']], ['b', ['x']]]));
  });

  it('refuses what is neither', () => {
    assert.equal(celError('url("ftp")'), 'URL parse error during conversion from string: parse "ftp": invalid URI for request');
  });
});

describe('CEL: the quantity library', () => {
  it('compares, adds and converts exactly', () => {
    each({
      'quantity("1Gi").isGreaterThan(quantity("1G"))': true,
      'quantity("500m").isLessThan(quantity("1"))': true,
      'quantity("1Gi") == quantity("1024Mi")': true,
      'quantity("1").add(quantity("500m")).compareTo(quantity("1500m"))': 0n,
      'quantity("1").sub(2).sign()': -1n,
      'quantity("2k").asInteger()': 2000n,
      'quantity("1.5").isInteger()': false,
      'quantity("500m").asApproximateFloat()': 0.5,
      'quantity("1e3").asInteger()': 1000n,
      'isQuantity("1.5Gi")': true,
      'isQuantity("1.5Gx")': false,
    });
  });

  it('refuses to make an integer of a fraction', () => {
    assert.equal(celError('quantity("1.5").asInteger()'), 'cannot convert value to integer');
  });
});

describe('CEL: the IP and CIDR libraries', () => {
  it('reads addresses of both families', () => {
    each({
      'ip("192.168.0.1").family()': 4n,
      'ip("2001:db8::1").family()': 6n,
      'ip("127.0.0.1").isLoopback()': true,
      'ip("::1").isLoopback()': true,
      'ip("0.0.0.0").isUnspecified()': true,
      'ip("169.254.1.1").isLinkLocalUnicast()': true,
      'ip("fe80::1").isLinkLocalUnicast()': true,
      'ip("224.0.0.1").isLinkLocalMulticast()': true,
      'ip("8.8.8.8").isGlobalUnicast()': true,
      'ip.isCanonical("2001:db8::1")': true,
      'ip.isCanonical("2001:DB8::1")': false,
      'string(ip("2001:0db8:0000::0001"))': '2001:db8::1',
      'isIP("1.2.3")': false,
      'isIP("01.2.3.4")': false,
    });
  });

  it('refuses IPv4-mapped IPv6 addresses and zones, as kube does', () => {
    assert.equal(celError('ip("::ffff:1.2.3.4")'), 'IPv4-mapped IPv6 address is not allowed');
    assert.equal(celError('ip("fe80::1%eth0")'), 'IP address with zone value is not allowed');
  });

  it('cidr: containment, mask and prefix', () => {
    each({
      'cidr("10.0.0.0/8").containsIP("10.1.2.3")': true,
      'cidr("10.0.0.0/8").containsIP(ip("11.0.0.1"))': false,
      'cidr("10.0.0.0/8").containsCIDR("10.1.0.0/16")': true,
      'cidr("10.0.0.0/16").containsCIDR(cidr("10.0.0.0/8"))': false,
      'cidr("10.1.2.3/8").masked() == cidr("10.0.0.0/8")': true,
      'string(cidr("10.1.2.3/8").ip())': '10.1.2.3',
      'cidr("2001:db8::/32").prefixLength()': 32n,
      'isCIDR("10.0.0.0/33")': false,
    });
  });
});

describe('CEL: the format library', () => {
  it('validate is none for a valid string, and kube\'s messages otherwise', () => {
    each({
      'format.dns1123Label().validate("my-name").hasValue()': false,
      'format.dns1123Subdomain().validate("example.com").hasValue()': false,
      'format.named("labelValue").hasValue()': true,
      'format.named("nope").hasValue()': false,
      'format.uuid().validate("123e4567-e89b-12d3-a456-426614174000").hasValue()': false,
    });
    assert.deepEqual(cel('format.dns1123Label().validate("My_Name").value()'), [
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });
});

describe('CEL: the semver library', () => {
  it('parses, normalizes and orders versions', () => {
    each({
      'semver("1.2.3").isLessThan(semver("1.10.0"))': true,
      'semver("1.0.0-alpha").isLessThan(semver("1.0.0"))': true,
      'semver("1.2.3").compareTo(semver("1.2.3"))': 0n,
      'semver("v1.2", true).minor()': 2n,
      'semver("1.2.3").major()': 1n,
      'isSemver("1.2")': false,
      'isSemver("v1.2", true)': true,
    });
  });
});

describe('CEL: the standard language as kube configures it', () => {
  it('macros: has, all, exists, exists_one, map, filter and cel.bind', () => {
    const x = { spec: { replicas: 3, items: [{ name: 'a' }, { name: 'b' }] } };
    assert.equal(cel('has(x.spec.replicas)', { x }), true);
    assert.equal(cel('has(x.spec.nope)', { x }), false);
    assert.equal(cel('x.spec.items.all(i, i.name.size() == 1)', { x }), true);
    assert.equal(cel('x.spec.items.exists(i, i.name == "b")', { x }), true);
    assert.equal(cel('x.spec.items.exists_one(i, i.name == "a")', { x }), true);
    assert.deepEqual(cel('x.spec.items.map(i, i.name)', { x }), ['a', 'b']);
    assert.equal(cel('x.spec.items.filter(i, i.name != "a").size()', { x }), 1n);
    assert.equal(cel('cel.bind(r, x.spec.replicas, r * r)', { x }), 9n);
  });

  it('optional types', () => {
    each({
      'optional.of(1).orValue(2)': 1n,
      'optional.none().orValue(2)': 2n,
      '{"a": 1}[?"b"].hasValue()': false,
      '{"a": 1}[?"a"].value()': 1n,
    });
  });

  it('homogeneous aggregate literals, and no equality across numeric types without dyn', () => {
    assert.match(celError('[1, "a"]'), /expected type 'int' but found 'string'/);
    assert.match(celError('1 == 1.0'), /found no matching overload for '_==_' applied to '\(int, double\)'/);
    assert.equal(cel('dyn(1) < 1.5'), true);
  });

  it('runtime errors read as cel-go words them', () => {
    assert.equal(celError('1 / 0'), 'division by zero');
    assert.equal(celError('[1][3]'), "index '3' out of range in list size '1'");
    assert.equal(celError('{"a": 1}["b"]'), 'no such key: b');
  });
});
