import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface ApiKey {
  /** The client's name: it owns the payments it creates and scopes its Idempotency-Keys. */
  name: string;
  /** SHA-256 of the key: the key itself is not kept in memory longer than parsing it. */
  digest: Buffer;
}

const PAIR = /^([A-Za-z0-9._-]{1,64}):([\x21-\x7e]{16,})$/;

function digestOf(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** Parses `name:key` pairs from API_KEYS (comma-separated) and API_KEYS_FILE (one a line). */
export function loadApiKeys(inline: string | undefined, file: string | undefined): ApiKey[] {
  const entries = [
    ...(inline ? inline.split(',') : []),
    ...(file ? readFileSync(file, 'utf8').split(/\r?\n/) : []),
  ]
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  return entries.map((entry, index) => {
    const match = PAIR.exec(entry);
    if (!match) {
      // Never echo the entry: it holds a key.
      throw new Error(
        `API key entry ${index + 1} is not name:key with a key of 16+ visible characters`,
      );
    }
    return { name: match[1], digest: digestOf(match[2]) };
  });
}

/**
 * The client a presented key belongs to, or undefined. Every configured key is compared, each in
 * constant time over equal-length digests, so timing tells nothing about which or how much matched.
 */
export function clientForKey(keys: readonly ApiKey[], presented: string): string | undefined {
  const digest = digestOf(presented);
  let found: string | undefined;
  for (const key of keys) {
    if (timingSafeEqual(key.digest, digest)) {
      found ??= key.name;
    }
  }
  return found;
}
