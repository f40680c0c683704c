import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { threadStoreContract } from "../../test/store-contract.js";
import { createSqliteStore } from "./sqlite-store.js";

describe("SQLite thread store", () => {
  const dir = mkdtempSync(join(tmpdir(), "bc-sqlite-"));
  let n = 0;
  threadStoreContract(
    () => createSqliteStore({ path: join(dir, `t${++n}.db`) }),
    async () => {},
  );

  it("keeps threads in the file across reopen, in WAL mode", async () => {
    const path = join(dir, "nested", "reopen.db");
    const a = await createSqliteStore({ path });
    await a.claimThread("t", "alice", 1);
    await a.close();
    const b = await createSqliteStore({ path });
    expect(await b.getThread("t")).toMatchObject({ ownerId: "alice" });
    await b.close();
    rmSync(join(dir, "nested"), { recursive: true });
  });
});
