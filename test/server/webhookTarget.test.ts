/**
 * Which webhook targets are refused: loopback, private, link-local and other special addresses,
 * in both address families, and never a public address (IPv4 literals included).
 */
import assert from "node:assert/strict";
import { isSpecialAddress, webhookRefusal } from "../../server/webhookTarget";

describe("webhook targets", () => {
  const cases: Array<[string, boolean]> = [
    ["127.0.0.1", true],
    ["10.1.2.3", true],
    ["172.16.0.1", true],
    ["192.168.1.1", true],
    ["169.254.169.254", true],
    ["100.64.0.1", true],
    ["0.0.0.0", true],
    ["::1", true],
    ["::", true],
    ["::ffff:127.0.0.1", true],
    ["fe80::1", true],
    ["fd00::1", true],
    ["8.8.8.8", false],
    ["1.1.1.1", false],
    ["93.184.216.34", false],
    ["::ffff:8.8.8.8", false],
    ["2001:4860:4860::8888", false],
  ];
  for (const [ip, special] of cases) {
    it(`${special ? "refuses" : "accepts"} ${ip}`, async () => {
      assert.equal(isSpecialAddress(ip), special);
      const url = `https://${ip.includes(":") ? `[${ip}]` : ip}/hook`;
      const why = await webhookRefusal(url);
      if (special) assert.match(String(why), /loopback, private or link-local/);
      else assert.equal(why, null);
    });
  }
});
