/**
 * Where the notification webhook may point. A tenant administrator sets the URL, but the server
 * makes the request from inside the operator's network: pointed at loopback, private, link-local
 * or other special addresses, it would reach services that are not meant to be reachable
 * (`http://127.0.0.1:<port>/internal/...`, a cloud metadata address). Those are refused unless
 * the operator allows them (`allowPrivateWebhooks`, for a webhook inside the same network).
 *
 * Checked when the URL is set and again before each delivery, after resolving the host name (a
 * name can point somewhere else later). A name that does not resolve is let through: the POST
 * fails on its own.
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

// Two lists: Node's BlockList also matches an IPv4 address against IPv6 rules (as its IPv4-mapped
// form), so one list holding `::ffff:0:0/96` would refuse every IPv4 address, public ones too.
const special4 = new BlockList();
const special6 = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const)
  special4.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 127], // unspecified and loopback
  ["::ffff:0:0", 96], // IPv4-mapped: checked as IPv4 below
  ["64:ff9b::", 96],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  special6.addSubnet(net, bits, "ipv6");

/** Whether an IP address is loopback, private, link-local, multicast or otherwise not public. */
export function isSpecialAddress(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) return special4.check(ip, "ipv4");
  if (v !== 6) return false;
  // IPv4-mapped, dotted (`::ffff:1.2.3.4`) or as URL parsing writes it (`::ffff:102:304`).
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return special4.check(mapped[1]!, "ipv4");
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (hex) {
    const [hi, lo] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
    return special4.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, "ipv4");
  }
  return special6.check(ip, "ipv6");
}

/** Why `url` may not be a webhook target, or null when it may. */
export async function webhookRefusal(url: string): Promise<string | null> {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return "is not a URL";
  }
  const h = host.toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return `points at ${host}, a loopback name`;
  if (isIP(host))
    return isSpecialAddress(host)
      ? `points at ${host}, a loopback, private or link-local address`
      : null;
  let addrs: Array<{ address: string }>;
  try {
    addrs = await lookup(host, { all: true });
  } catch {
    return null;
  }
  const bad = addrs.find((a) => isSpecialAddress(a.address));
  return bad
    ? `${host} resolves to ${bad.address}, a loopback, private or link-local address`
    : null;
}
