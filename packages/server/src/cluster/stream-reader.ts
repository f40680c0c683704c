/**
 * Feeds mirrors of runs executing on other nodes from their Redis streams: one blocking
 * XREAD over every followed stream on one dedicated connection, woken with CLIENT UNBLOCK
 * when the set of streams changes.
 * @module
 */
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { MirrorRun } from "./mirror-run.js";

/** One stream entry: events `first..last` as a JSON array. */
export interface StreamEntry {
  id: string;
  first: number;
  data: string;
}

/** Parses XRANGE/XREAD entries `[id, [field, value, ...]]`. */
export function parseEntries(raw: unknown): StreamEntry[] {
  const out: StreamEntry[] = [];
  for (const e of (raw as [string, string[]][]) ?? []) {
    const fields = e[1];
    let first = 0;
    let data = "[]";
    for (let i = 0; i < fields.length; i += 2) {
      if (fields[i] === "f") first = Number(fields[i + 1]);
      else if (fields[i] === "d") data = fields[i + 1] ?? "[]";
    }
    out.push({ id: e[0], first, data });
  }
  return out;
}

/**
 * Applies entries to a mirror in seq order, skipping what it already has. Returns false if
 * the stream skipped seqs (it was trimmed or written out of order), after ending the mirror.
 */
export function applyEntries(mirror: MirrorRun, entries: StreamEntry[]): boolean {
  for (const entry of entries) {
    const events = JSON.parse(entry.data) as { type: string }[];
    for (let i = 0; i < events.length; i++) {
      const seq = entry.first + i;
      if (seq <= mirror.lastSeq) continue;
      if (seq !== mirror.lastSeq + 1) {
        mirror.endLocally(
          "Events of this run are missing from the shared stream; reload the thread",
          "stream_gap",
        );
        return false;
      }
      mirror.emit(events[i] as never);
      if (mirror.ended) return true;
    }
  }
  return true;
}

interface Followed {
  mirror: MirrorRun;
  key: string;
  lastId: string;
}

/**
 * XREAD's reply as `[key, entries]` pairs: RESP2 answers `[[key, entries], ...]`, RESP3 a
 * map, which ioredis flattens to `[key, entries, key, entries, ...]`.
 */
export function streamPairs(reply: unknown): [string, unknown][] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  if (Array.isArray(reply[0])) return reply as [string, unknown][];
  const pairs: [string, unknown][] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) pairs.push([String(reply[i]), reply[i + 1]]);
  return pairs;
}

/** The multiplexed reader. `add` a mirror after catching it up; it is dropped once it ends. */
export class StreamReader {
  private readonly followed = new Map<string, Followed>();
  private clientId: number | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  private readonly loopDone: Promise<void>;

  constructor(
    private readonly reader: Redis,
    private readonly control: Redis,
    private readonly logger: Logger,
    private readonly blockMs: number,
  ) {
    reader.on("ready", () => {
      reader.client("ID").then(
        (id) => {
          this.clientId = Number(id);
        },
        () => {},
      );
    });
    this.loopDone = this.loop();
  }

  /** Streams being read. */
  get size(): number {
    return this.followed.size;
  }

  /** Reads `mirror`'s stream after entry `lastId` until the mirror ends. */
  add(mirror: MirrorRun, key: string, lastId: string): void {
    if (mirror.ended || this.closed) return;
    this.followed.set(mirror.id, { mirror, key, lastId });
    if (this.wake) {
      this.wake();
      this.wake = undefined;
    } else if (this.clientId !== undefined) {
      // Interrupt the blocking read so the next one includes this stream.
      this.control.client("UNBLOCK", this.clientId).catch(() => {});
    }
  }

  remove(runId: string): void {
    this.followed.delete(runId);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    this.reader.disconnect();
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      if (this.followed.size === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      const entries = [...this.followed.values()];
      let result: unknown;
      try {
        result = await this.reader.call(
          "XREAD",
          "COUNT",
          "512",
          "BLOCK",
          String(this.blockMs),
          "STREAMS",
          ...entries.map((e) => e.key),
          ...entries.map((e) => e.lastId),
        );
      } catch (err) {
        if (this.closed) return;
        this.logger.warn({ err }, "reading run streams from Redis failed; retrying");
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!result) continue;
      const byKey = new Map(entries.map((e) => [e.key, e]));
      for (const [key, raw] of streamPairs(result)) {
        const f = byKey.get(key);
        if (!f || this.followed.get(f.mirror.id) !== f) continue;
        const parsed = parseEntries(raw);
        if (parsed.length) f.lastId = parsed.at(-1)!.id;
        applyEntries(f.mirror, parsed);
        if (f.mirror.ended) this.followed.delete(f.mirror.id);
      }
    }
  }
}
