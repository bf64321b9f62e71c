/**
 * Which IP addresses a rest-hook may never reach (SSRF defence): loopback, private, link-local
 * (cloud metadata at 169.254.169.254 and fd00:ec2::254), unspecified, multicast, reserved and
 * documentation ranges, in IPv4 and IPv6, including IPv6 forms that embed an IPv4 address
 * (::ffff:127.0.0.1, NAT64, 6to4). Pure: strings in, verdicts out.
 *
 * Ranges follow the IANA special-purpose address registries (RFC 6890 and its updates).
 */
import { isIP } from 'node:net';

interface Range {
  prefix: number[];
  bits: number;
  label: string;
  /** For IPv6 ranges that carry an IPv4 address: the byte offset where it starts. */
  embedsV4At?: number;
}

function v4(cidr: string, label: string): Range {
  const [addr, bits] = cidr.split('/');
  return { prefix: addr!.split('.').map(Number), bits: Number(bits), label };
}

function v6(cidr: string, label: string, embedsV4At?: number): Range {
  const [addr, bits] = cidr.split('/');
  return { prefix: ipv6Bytes(addr!)!, bits: Number(bits), label, embedsV4At };
}

const V4_BLOCKED: Range[] = [
  v4('0.0.0.0/8', 'this-network'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'shared (carrier-grade NAT)'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local (cloud metadata)'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'IETF protocol assignments'),
  v4('192.0.2.0/24', 'documentation'),
  v4('192.88.99.0/24', '6to4 relay'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'benchmarking'),
  v4('198.51.100.0/24', 'documentation'),
  v4('203.0.113.0/24', 'documentation'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'),
];

/** Order matters: ranges that embed IPv4 are checked by their embedded address. */
const V6_RANGES: Range[] = [
  v6('::ffff:0:0/96', 'IPv4-mapped', 12),
  v6('64:ff9b::/96', 'NAT64', 12),
  v6('2002::/16', '6to4', 2),
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('::/96', 'IPv4-compatible (deprecated)'),
  v6('64:ff9b:1::/48', 'local NAT64'),
  v6('100::/64', 'discard'),
  v6('2001:db8::/32', 'documentation'),
  v6('2001::/23', 'IETF protocol assignments'),
  v6('fc00::/7', 'unique local'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'site-local'),
  v6('ff00::/8', 'multicast'),
];

function matches(bytes: number[], range: Range): boolean {
  for (let bit = 0; bit < range.bits; bit += 8) {
    const i = bit / 8;
    const take = Math.min(8, range.bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[i]! & mask) !== (range.prefix[i]! & mask)) return false;
  }
  return true;
}

/** Expands an IPv6 address (any textual form, optional zone, optional dotted IPv4 tail) to 16 bytes. */
export function ipv6Bytes(address: string): number[] | undefined {
  let text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(text) !== 6) return undefined;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, tail.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const groups = rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/**
 * Why an address must not be reached, or `undefined` when it is a public unicast address.
 * @example blockedReason('169.254.169.254') // 'link-local (cloud metadata)'
 * @example blockedReason('::ffff:127.0.0.1') // 'IPv4-mapped loopback'
 */
export function blockedReason(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare.replace(/%.*$/, ''));
  if (family === 4) return V4_BLOCKED.find((r) => matches(bare.split('.').map(Number), r))?.label;
  if (family !== 6) return 'not an IP address';
  const bytes = ipv6Bytes(bare)!;
  const range = V6_RANGES.find((r) => matches(bytes, r));
  if (!range) return undefined;
  if (range.embedsV4At === undefined) return range.label;
  const inner = bytes.slice(range.embedsV4At, range.embedsV4At + 4).join('.');
  const innerReason = blockedReason(inner);
  return innerReason ? `${range.label} ${innerReason}` : undefined;
}
