// resource.Quantity as a number, for the comparisons validation makes
// (requests against limits, negative values). The grammar itself is checked
// where the schema meets a Quantity (scheme/validate.ts).

const BINARY: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Readonly<Record<string, number>> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** The quantity's value, or undefined when it is not one. */
export function quantityValue(quantity: unknown): number | undefined {
  if (typeof quantity === 'number') return quantity;
  if (typeof quantity !== 'string') return undefined;
  const m = /^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))(.*)$/.exec(quantity.trim());
  if (!m) return undefined;
  const number = Number(m[1]);
  const suffix = m[2]!;
  const scale = BINARY[suffix] ?? DECIMAL[suffix] ?? (/^[eE][-+]?[0-9]+$/.test(suffix) ? 10 ** Number(suffix.slice(1)) : undefined);
  return scale === undefined ? undefined : number * scale;
}

// ---- the canonical form kube writes back (resource.Quantity's String) ----

const NANO = 10n ** 9n;
const DECIMAL_SUFFIXES: Readonly<Record<number, string>> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const BINARY_POWER: Readonly<Record<string, number>> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_POWER: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** The quantity in nano-units (rounded up, as kube rounds what is finer than 1n) and its format, or undefined. */
export function parseExact(text: string): { nanos: bigint; format: Format } | undefined {
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const negative = m[1] === '-';
  const whole = m[2] || '0';
  const fraction = m[3] ?? '';
  const suffix = m[4]!;
  let format: Format;
  let numerator = BigInt(whole + fraction);
  let denominator = 10n ** BigInt(fraction.length);
  if (suffix in BINARY_POWER) {
    format = 'BinarySI';
    numerator *= 1024n ** BigInt(BINARY_POWER[suffix]!);
  } else if (suffix in DECIMAL_POWER) {
    format = 'DecimalSI';
    const power = DECIMAL_POWER[suffix]!;
    if (power >= 0) numerator *= 10n ** BigInt(power);
    else denominator *= 10n ** BigInt(-power);
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    format = 'DecimalExponent';
    const power = Number(suffix.slice(1));
    if (power >= 0) numerator *= 10n ** BigInt(power);
    else denominator *= 10n ** BigInt(-power);
  } else return undefined;
  const scaled = numerator * NANO;
  let nanos = scaled / denominator;
  if (scaled % denominator !== 0n) nanos += 1n;
  return { nanos: negative ? -nanos : nanos, format };
}

/** kube's canonical text of a quantity: `1000m` → `1`, `0.5` → `500m`, `1024Mi` → `1Gi`, `1.5Gi` → `1536Mi`. Unchanged when it does not parse. */
export function canonicalQuantity(quantity: unknown): unknown {
  if (typeof quantity !== 'string' && typeof quantity !== 'number') return quantity;
  const parsed = parseExact(String(quantity));
  return parsed ? formatNanos(parsed.nanos, parsed.format) : quantity;
}

/** resource.Quantity's String of an exact amount (in nano-units), in the format it was written in (a sum keeps its first term's). */
export function formatNanos(nanos: bigint, format: 'DecimalSI' | 'BinarySI' | 'DecimalExponent'): string {
  if (nanos === 0n) return '0';
  const negative = nanos < 0n;
  const magnitude = negative ? -nanos : nanos;
  if (format === 'BinarySI' && (magnitude < 1024n * NANO || magnitude % NANO !== 0n)) format = 'DecimalSI';
  let mantissa: bigint;
  let suffix: string;
  if (format === 'BinarySI') {
    mantissa = magnitude / NANO;
    let power = 0;
    while (power < 6 && mantissa % 1024n === 0n) {
      mantissa /= 1024n;
      power++;
    }
    suffix = BINARY_SUFFIXES[power]!;
  } else {
    mantissa = magnitude;
    let exponent = -9;
    while (exponent < 18 && mantissa % 1000n === 0n) {
      mantissa /= 1000n;
      exponent += 3;
    }
    suffix = format === 'DecimalSI' ? DECIMAL_SUFFIXES[exponent]! : exponent === 0 ? '' : `e${exponent}`;
  }
  return `${negative ? '-' : ''}${mantissa.toString()}${suffix}`;
}

/** Rewrites every quantity of a resource map (limits, requests) in kube's canonical form, in place. */
export function canonicalizeResourceList(list: unknown): void {
  if (list === null || typeof list !== 'object' || Array.isArray(list)) return;
  const map = list as Record<string, unknown>;
  for (const key of Object.keys(map)) map[key] = canonicalQuantity(map[key]);
}
