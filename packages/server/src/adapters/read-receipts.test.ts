import { describe, expect, it } from "vitest";
import { PROBE_EVERY_FRAMES, PROBE_INTERVAL_MS, PROBE_MIN_FRAMES, ReadReceipts } from "./read-receipts.js";

/** A receipts object on a hand-moved clock (its logic is about time, so the clock is the input). */
function setup() {
  const clock = { t: 1000 };
  return { clock, receipts: new ReadReceipts(() => clock.t) };
}

describe("ReadReceipts", () => {
  it("is never behind for a peer that never answered a probe (no round trip known)", () => {
    const { clock, receipts } = setup();
    expect(receipts.probe()).toBeInstanceOf(Buffer);
    clock.t += 60_000;
    expect(receipts.behind).toBe(false);
  });

  it("is behind once a probe is overdue against the smallest round trip seen, and catches up on its pong", async () => {
    const { clock, receipts } = setup();
    const first = receipts.probe()!;
    clock.t += 2;
    receipts.onPong(first); // round trip 2 ms
    clock.t += PROBE_INTERVAL_MS;
    const second = receipts.probe(PROBE_MIN_FRAMES)!;
    clock.t += 4; // ≤ 2 × 2 ms + slack: the link explains it
    expect(receipts.behind).toBe(false);
    clock.t += 1;
    expect(receipts.behind).toBe(true);
    let caughtUp = false;
    receipts.onCaughtUp(() => {
      caughtUp = true;
    });
    expect(caughtUp).toBe(false);
    receipts.onPong(Buffer.from("other")); // someone else's pong: ignored
    expect(receipts.behind).toBe(true);
    receipts.onPong(second);
    expect(caughtUp).toBe(true);
    expect(receipts.behind).toBe(false);
  });

  it("keeps one probe out at a time, after enough frames and time, except right after a hold was released", () => {
    const { clock, receipts } = setup();
    const first = receipts.probe()!;
    expect(receipts.probe(0)).toBeUndefined(); // one out already
    clock.t += 1;
    receipts.onPong(first);
    expect(receipts.probe(PROBE_MIN_FRAMES)).toBeUndefined(); // enough frames, but within the interval
    clock.t += PROBE_INTERVAL_MS;
    const second = receipts.probe(0)!; // the interval passed and 8 frames went out since the last probe
    clock.t += 50;
    receipts.onCaughtUp(() => {});
    receipts.onPong(second); // releases a waiter: the next write probes at once
    expect(receipts.probe()).toBeInstanceOf(Buffer);
  });

  it("a slow stream probes only once PROBE_MIN_FRAMES frames went out, however long it takes", () => {
    const { clock, receipts } = setup();
    receipts.onPong(receipts.probe()!);
    for (let i = 0; i < PROBE_MIN_FRAMES - 1; i++) {
      clock.t += 1000;
      expect(receipts.probe(1)).toBeUndefined();
    }
    expect(receipts.probe(1)).toBeInstanceOf(Buffer);
  });

  it("probes within the interval once PROBE_EVERY_FRAMES frames went out since the last probe", () => {
    const { clock, receipts } = setup();
    const first = receipts.probe()!;
    clock.t += 0.1;
    receipts.onPong(first);
    expect(receipts.probe(PROBE_EVERY_FRAMES - 2)).toBeUndefined();
    expect(receipts.probe(1)).toBeUndefined();
    expect(receipts.probe(1)).toBeInstanceOf(Buffer);
    clock.t += 0.1;
  });

  it("answers onCaughtUp at once when nothing is out, and lets waiters go when the socket closes", async () => {
    const { receipts } = setup();
    const order: string[] = [];
    receipts.onCaughtUp(() => order.push("now"));
    await Promise.resolve();
    expect(order).toEqual(["now"]);
    receipts.probe();
    receipts.onCaughtUp(() => order.push("closed"));
    receipts.close();
    expect(order).toEqual(["now", "closed"]);
  });
});
