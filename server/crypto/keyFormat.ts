/**
 * The key format: `kp` + 120 random alphanumerics + a 6-character base62 CRC-32 of the rest,
 * 128 characters in all. It stays alphanumeric (the reference's keys are), the prefix lets
 * secret scanners find leaked keys, and the checksum lets the server refuse a mistyped or
 * made-up key before any database or crypto work.
 */
import { crc32 } from "node:zlib";

export const KEY_PREFIX = "kp";
export const KEY_LENGTH = 128;
const RANDOM_CHARS = KEY_LENGTH - KEY_PREFIX.length - 6;
const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Random bytes from the injected generator (crypto.randomBytes in production). */
export type RandomBytes = (n: number) => Buffer;

/** `n` alphanumerics from `random`, without modulo bias (bytes ≥ 248 are redrawn). */
export function randomAlphanumeric(random: RandomBytes, n: number): string {
  let out = "";
  while (out.length < n) {
    const buf = random(Math.max(16, n - out.length + 8));
    for (const b of buf) {
      if (b < 248) out += ALNUM[b % 62];
      if (out.length === n) break;
    }
  }
  return out;
}

function base62(n: number, width: number): string {
  let s = "";
  let v = n >>> 0;
  for (let i = 0; i < width; i++) {
    s = ALNUM[v % 62] + s;
    v = Math.floor(v / 62);
  }
  return s;
}

function checksum(body: string): string {
  return base62(crc32(body), 6);
}

/** A new key value. */
export function generateKeyValue(random: RandomBytes): string {
  const body = KEY_PREFIX + randomAlphanumeric(random, RANDOM_CHARS);
  return body + checksum(body);
}

/** Whether a string has the shape and checksum of a keyplane key. */
export function isWellFormedKey(s: string): boolean {
  if (s.length !== KEY_LENGTH || !s.startsWith(KEY_PREFIX) || !/^[0-9A-Za-z]+$/.test(s))
    return false;
  return checksum(s.slice(0, -6)) === s.slice(-6);
}
