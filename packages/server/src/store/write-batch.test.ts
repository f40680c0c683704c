import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { createWriteBatch } from "./write-batch.js";

function setup(maxBatch?: number) {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
  const insert = db.prepare("INSERT INTO t (k) VALUES (?)");
  const inTransaction = db.transaction((body: () => unknown) => body());
  const commits: number[] = [];
  const batch = createWriteBatch(
    (body) => {
      let n = 0;
      inTransaction(() => {
        body();
        n = 1;
      });
      commits.push(n);
    },
    (work) => inTransaction(work) as ReturnType<typeof work>,
    maxBatch,
  );
  const keys = () => (db.prepare("SELECT k FROM t ORDER BY k").all() as { k: string }[]).map((r) => r.k);
  return { db, insert, batch, commits, keys };
}

describe("write batch (group commit)", () => {
  it("commits the writes of one turn in one transaction, and resolves each with its result", async () => {
    const { insert, batch, commits, keys } = setup();
    const results = await Promise.all(["a", "b", "c"].map((k) => batch.run(() => insert.run(k).changes)));
    expect(results).toEqual([1, 1, 1]);
    expect(commits).toHaveLength(1);
    expect(keys()).toEqual(["a", "b", "c"]);
    await batch.run(() => insert.run("d"));
    expect(commits).toHaveLength(2);
  });

  it("rolls back and rejects only the write that failed", async () => {
    const { insert, batch, keys } = setup();
    const ok = batch.run(() => insert.run("a"));
    const dup = batch.run(() => {
      insert.run("b");
      insert.run("a"); // primary key conflict: this write's own "b" must go too
    });
    const later = batch.run(() => insert.run("c"));
    await expect(ok).resolves.toBeDefined();
    await expect(dup).rejects.toThrow(/UNIQUE/);
    await expect(later).resolves.toBeDefined();
    expect(keys()).toEqual(["a", "c"]);
  });

  it("rejects every write of a group whose transaction cannot open", async () => {
    const { db, insert, batch } = setup();
    const a = batch.run(() => insert.run("a"));
    const b = batch.run(() => insert.run("b"));
    db.close();
    await expect(a).rejects.toThrow(/not open/);
    await expect(b).rejects.toThrow(/not open/);
  });

  it("commits a long queue one group per turn of the event loop", async () => {
    const { insert, batch, commits, keys } = setup(2);
    const all = ["a", "b", "c", "d", "e"].map((k) => batch.run(() => insert.run(k)));
    await new Promise((r) => setImmediate(r));
    expect(commits).toHaveLength(1);
    expect(batch.pending).toBe(3);
    await Promise.all(all);
    expect(commits).toHaveLength(3);
    expect(keys()).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("flush() commits queued writes at once (a read then sees them), and splits long queues", async () => {
    const { insert, batch, commits, keys } = setup(2);
    const all = ["a", "b", "c", "d", "e"].map((k) => batch.run(() => insert.run(k)));
    expect(batch.pending).toBe(5);
    batch.flush();
    expect(batch.pending).toBe(0);
    expect(keys()).toEqual(["a", "b", "c", "d", "e"]);
    expect(commits).toHaveLength(3);
    await Promise.all(all);
  });
});
