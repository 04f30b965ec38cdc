import { randomInt } from 'node:crypto';

// kube's alphabet: no vowels (no accidental words) and no look-alike characters.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_BASE_LENGTH = 58;
const SUFFIX_LENGTH = 5;
export const MAX_GENERATE_ATTEMPTS = 8;

export function generateName(base: string): string {
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return base.slice(0, MAX_BASE_LENGTH) + suffix;
}
