/**
 * The failure limiter on its own: bounded memory, constant work per failure, windows that end.
 * (How authentication uses it, per source and per key id, is in auth/failureLimits.test.ts.)
 */
import * as assert from "node:assert/strict";
import { FailureLimiter } from "../../server/auth/rateLimit";
import { FakeClock } from "../../server/clock";

describe("FailureLimiter", () => {
  const opts = { perAddress: 5, perKeyId: 3, windowMs: 60_000 };

  it("blocks a subject at its limit until its window ends", async () => {
    const clock = new FakeClock(1_000_000);
    const l = new FailureLimiter(opts, clock);
    for (let i = 0; i < 3; i++) await l.fail("keyId", "7");
    assert.ok(l.blockedFor("keyId", "7") > 0);
    assert.equal(l.blockedFor("keyId", "8"), 0);
    assert.equal(l.blockedFor("address", "7"), 0, "kinds are apart");
    clock.advance(60_000);
    assert.equal(l.blockedFor("keyId", "7"), 0);
  });

  it("remembers at most maxSubjects, dropping the oldest", async () => {
    const clock = new FakeClock(1_000_000);
    const l = new FailureLimiter(opts, clock, undefined, 1_000);
    for (let i = 0; i < 1_500; i++) await l.fail("address", `10.0.${i >> 8}.${i & 255}`);
    assert.equal(l.size, 1_000);
    for (let i = 0; i < 5; i++) await l.fail("address", "192.0.2.1");
    assert.ok(l.blockedFor("address", "192.0.2.1") > 0, "the newest subject is kept");
  });

  it("drops subjects whose window is over as failures come, without a sweep", async () => {
    const clock = new FakeClock(1_000_000);
    const l = new FailureLimiter(opts, clock);
    for (let i = 0; i < 100; i++) await l.fail("keyId", String(i));
    clock.advance(60_000);
    for (let i = 0; i < 100; i++) await l.fail("keyId", String(1_000 + i));
    assert.ok(l.size <= 100 + 4, `size ${l.size}: the expired ones went as new failures came`);
  });

  it("costs the same per failure with 150,000 subjects in one window (bounded, no sweep)", async function () {
    this.timeout(30_000);
    const clock = new FakeClock(1_000_000);
    const l = new FailureLimiter(opts, clock);
    for (let i = 0; i < 150_000; i++) await l.fail("keyId", String(i));
    assert.ok(l.size <= 100_000, `size ${l.size}`);
    // A sweep over 100,000 live subjects on each failure costs about a millisecond; 2,000 of
    // them took seconds. Without it, 2,000 failures take a few milliseconds.
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 2_000; i++) await l.fail("keyId", String(200_000 + i));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.ok(ms < 400, `2,000 failures took ${ms.toFixed(0)} ms`);
  });
});
