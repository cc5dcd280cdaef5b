/** IP addresses: `cidr` ranges, and exact strings that are IP literals (equivalent spellings match). */

import { fail, type ValueMatcher } from './shared.ts';

export function compileCidr(operand: unknown, path: string): ValueMatcher {
  if (typeof operand !== 'string') fail('cidr match pattern must be a string', path);
  // Java's String.split drops trailing empty strings, so "10.0.0.0/24/" is accepted like Ruler does.
  const parts = operand.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  const [address = '', maskText = ''] = parts;
  if (parts.length !== 2) fail("Malformed CIDR, one '/' required", path);
  if (!/^[+-]?\d{1,10}$/.test(maskText) || Math.abs(Number(maskText)) > 2 ** 31 - 1) {
    fail('Malformed CIDR, mask bits must be an integer', path);
  }
  const maskBits = Number(maskText);
  if (maskBits < 0) fail('Malformed CIDR, mask bits must not be negative', path);
  const base = looksLikeIp(address) ? parseIp(address) : undefined;
  if (base === undefined) fail(`Nonstandard IP address: ${address}`, path);
  if (base.length === 4 && maskBits > 31) fail('IPv4 mask bits must be < 32', path);
  if (base.length === 16 && maskBits > 127) fail('IPv6 mask bits must be < 128', path);

  // Ruler's range runs from the address as written (host bits are not cleared) to the address with all
  // host bits set.
  const top = Uint8Array.from(base);
  let hostBits = base.length * 8 - maskBits;
  for (let i = top.length - 1; i >= 0 && hostBits > 0; i--, hostBits -= 8) {
    top[i] = (top[i] ?? 0) | (hostBits >= 8 ? 0xff : (1 << hostBits) - 1);
  }
  return {
    kind: 'cidr',
    test: (v) => {
      if (typeof v !== 'string' || !looksLikeIp(v)) return false;
      const ip = parseIp(v);
      return (
        ip !== undefined &&
        ip.length === base.length &&
        compareBytes(ip, base) >= 0 &&
        compareBytes(ip, top) <= 0
      );
    },
  };
}

// Ruler only treats strings of these shapes as IP literals (no hostnames, zones, or embedded IPv4 in IPv6).
export function looksLikeIp(text: string): boolean {
  return /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/.test(text) || /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/.test(text);
}

/** Parses an IPv4 or IPv6 literal to bytes, folding IPv4-mapped IPv6 addresses to IPv4 like Java does. */
export function parseIp(text: string): Uint8Array | undefined {
  if (text.includes('.')) {
    const octets = text.split('.').map(Number);
    if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet) || octet > 255))
      return undefined;
    return Uint8Array.from(octets);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string | undefined): number[] | undefined => {
    if (part === undefined || part === '') return [];
    const groups = part.split(':');
    if (groups.some((group) => !/^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
    return groups.map((group) => Number.parseInt(group, 16));
  };
  const head = parseGroups(halves[0]);
  const tail = parseGroups(halves[1]);
  if (head === undefined || tail === undefined) return undefined;
  const compressed = halves.length === 2;
  // "::" must stand for at least one zero group; without it exactly eight groups are needed.
  if (compressed ? head.length + tail.length > 7 : head.length !== 8) return undefined;
  const groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}
