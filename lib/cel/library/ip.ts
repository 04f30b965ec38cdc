// kube's ip and cidr libraries (k8s.io/apiserver/pkg/cel/library/ip.go, cidr.go):
// ip("10.0.0.1"), isIP, ip.isCanonical, family, isUnspecified, isLoopback,
// isLinkLocalMulticast, isLinkLocalUnicast, isGlobalUnicast, string(ip);
// cidr("10.0.0.0/8"), isCIDR, containsIP, containsCIDR, ip, masked,
// prefixLength, string(cidr). Zones and IPv4-mapped IPv6 addresses are refused,
// as kube refuses them.

import { CelRuntimeError, type CelEnvironment } from './types.js';

export class IP {
  /** 4 bytes for IPv4, 16 for IPv6. */
  constructor(readonly bytes: Uint8Array) {}
  get family(): 4 | 6 {
    return this.bytes.length === 4 ? 4 : 6;
  }
  toString(): string {
    return this.family === 4 ? [...this.bytes].join('.') : formatIPv6(this.bytes);
  }
}

export class CIDR {
  constructor(readonly ip: IP, readonly prefix: number) {}
  toString(): string {
    return `${this.ip}/${this.prefix}`;
  }
  contains(ip: IP): boolean {
    if (ip.family !== this.ip.family) return false;
    return samePrefix(ip.bytes, this.ip.bytes, this.prefix);
  }
  masked(): CIDR {
    const out = new Uint8Array(this.ip.bytes.length);
    for (let i = 0; i < out.length; i++) {
      const bits = Math.max(0, Math.min(8, this.prefix - i * 8));
      out[i] = (this.ip.bytes[i] as number) & ((0xff << (8 - bits)) & 0xff);
    }
    return new CIDR(new IP(out), this.prefix);
  }
}

function samePrefix(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  for (let i = 0; i < a.length && prefix > 0; i++, prefix -= 8) {
    const mask = prefix >= 8 ? 0xff : (0xff << (8 - prefix)) & 0xff;
    if (((a[i] as number) & mask) !== ((b[i] as number) & mask)) return false;
  }
  return true;
}

function parseIPv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

function parseIPv6(s: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4) return undefined;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

function formatIPv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] as number) << 8) | (b[i + 1] as number));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** kube's parse: IPv4 or IPv6, no zone, not IPv4-mapped. Returns the IP or kube's error text. */
export function parseIP(s: string): IP | string {
  if (s.includes('%')) return 'IP address with zone value is not allowed';
  const v4 = parseIPv4(s);
  if (v4) return new IP(v4);
  const v6 = parseIPv6(s);
  if (!v6) return `IP Address ${JSON.stringify(s)} parse error during conversion from string: ParseAddr(${JSON.stringify(s)}): unable to parse IP`;
  if (v6.slice(0, 10).every((x) => x === 0) && v6[10] === 0xff && v6[11] === 0xff) return 'IPv4-mapped IPv6 address is not allowed';
  return new IP(v6);
}

export function parseCIDR(s: string): CIDR | string {
  const slash = s.lastIndexOf('/');
  const ip = slash < 0 ? undefined : parseIP(s.slice(0, slash));
  const bits = s.slice(slash + 1);
  if (ip === undefined || typeof ip === 'string' || !/^(0|[1-9]\d*)$/.test(bits) || Number(bits) > ip.bytes.length * 8) {
    if (s.includes('%')) return 'CIDR with zone value is not allowed';
    return `network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(s)}): invalid prefix`;
  }
  return new CIDR(ip, Number(bits));
}

const orThrow = <T>(v: T | string): T => {
  if (typeof v === 'string') throw new CelRuntimeError(v);
  return v;
};

const isMulticastLinkLocal = (ip: IP): boolean => (ip.family === 4 ? ip.bytes[0] === 224 && ip.bytes[1] === 0 && ip.bytes[2] === 0 : ip.bytes[0] === 0xff && ((ip.bytes[1] as number) & 0x0f) === 0x02);
const isLinkLocalUnicast = (ip: IP): boolean => (ip.family === 4 ? ip.bytes[0] === 169 && ip.bytes[1] === 254 : ip.bytes[0] === 0xfe && ((ip.bytes[1] as number) & 0xc0) === 0x80);
const isLoopback = (ip: IP): boolean => (ip.family === 4 ? ip.bytes[0] === 127 : ip.bytes.slice(0, 15).every((x) => x === 0) && ip.bytes[15] === 1);
const isUnspecified = (ip: IP): boolean => ip.bytes.every((x) => x === 0);
const isMulticast = (ip: IP): boolean => (ip.family === 4 ? ((ip.bytes[0] as number) & 0xf0) === 0xe0 : ip.bytes[0] === 0xff);

class IPNamespace {}

export function registerIP(env: CelEnvironment): void {
  const T = 'net.IP';
  const C = 'net.CIDR';
  env
    .registerType(T, IP)
    .registerType(C, CIDR)
    .registerType('kubernetes.ip', IPNamespace)
    .registerConstant('ip', 'kubernetes.ip', new IPNamespace())
    .registerFunction(`ip(string): ${T}`, (s: string) => orThrow(parseIP(s)))
    .registerFunction('isIP(string): bool', (s: string) => typeof parseIP(s) !== 'string')
    .registerFunction('kubernetes.ip.isCanonical(string): bool', (_ns: unknown, s: string) => orThrow(parseIP(s)).toString() === s)
    .registerFunction(`string(${T}): string`, (ip: IP) => ip.toString())
    .registerFunction(`${T}.family(): int`, (ip: IP) => BigInt(ip.family))
    .registerFunction(`${T}.isUnspecified(): bool`, isUnspecified)
    .registerFunction(`${T}.isLoopback(): bool`, isLoopback)
    .registerFunction(`${T}.isLinkLocalMulticast(): bool`, isMulticastLinkLocal)
    .registerFunction(`${T}.isLinkLocalUnicast(): bool`, isLinkLocalUnicast)
    .registerFunction(
      `${T}.isGlobalUnicast(): bool`,
      (ip: IP) => !isUnspecified(ip) && !isLoopback(ip) && !isMulticast(ip) && !isLinkLocalUnicast(ip) && !(ip.family === 4 && ip.bytes.every((x) => x === 255)),
    )
    .registerOperator(`${T} == ${T}`, (a: IP, b: IP) => a.toString() === b.toString())
    .registerFunction(`cidr(string): ${C}`, (s: string) => orThrow(parseCIDR(s)))
    .registerFunction('isCIDR(string): bool', (s: string) => typeof parseCIDR(s) !== 'string')
    .registerFunction(`string(${C}): string`, (c: CIDR) => c.toString())
    .registerFunction(`${C}.containsIP(${T}): bool`, (c: CIDR, ip: IP) => c.contains(ip))
    .registerFunction(`${C}.containsIP(string): bool`, (c: CIDR, s: string) => c.contains(orThrow(parseIP(s))))
    .registerFunction(`${C}.containsCIDR(${C}): bool`, (c: CIDR, o: CIDR) => o.prefix >= c.prefix && c.contains(o.ip))
    .registerFunction(`${C}.containsCIDR(string): bool`, (c: CIDR, s: string) => {
      const o = orThrow(parseCIDR(s));
      return o.prefix >= c.prefix && c.contains(o.ip);
    })
    .registerFunction(`${C}.ip(): ${T}`, (c: CIDR) => c.ip)
    .registerFunction(`${C}.masked(): ${C}`, (c: CIDR) => c.masked())
    .registerFunction(`${C}.prefixLength(): int`, (c: CIDR) => BigInt(c.prefix))
    .registerOperator(`${C} == ${C}`, (a: CIDR, b: CIDR) => a.toString() === b.toString());
}
