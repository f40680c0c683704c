import { describe, expect, it } from "vitest";
import { dropSchema, postgresAvailable, TEST_DATABASE_URL, uniqueSchema } from "../../test/services.js";
import { threadStoreContract } from "../../test/store-contract.js";
import { createPostgresStore } from "./postgres-store.js";

const available = await postgresAvailable();

describe.skipIf(!available)("Postgres thread store", () => {
  let schema = uniqueSchema();
  threadStoreContract(
    () => createPostgresStore({ connectionString: TEST_DATABASE_URL, schema }),
    async () => {
      await dropSchema(schema);
      schema = uniqueSchema();
    },
  );

  it("several nodes migrating at once apply each migration once", async () => {
    const s = uniqueSchema();
    try {
      const stores = await Promise.all(
        [0, 1, 2].map(() => createPostgresStore({ connectionString: TEST_DATABASE_URL, schema: s })),
      );
      await stores[0]!.claimThread("t", "alice", 1);
      expect(await stores[2]!.getThread("t")).toMatchObject({ ownerId: "alice" });
      await Promise.all(stores.map((st) => st.close()));
    } finally {
      await dropSchema(s);
    }
  });

  it("refuses a schema name that is not a plain identifier", async () => {
    await expect(
      createPostgresStore({ connectionString: TEST_DATABASE_URL, schema: 'x"; drop' }),
    ).rejects.toThrow(/Invalid schema name/);
  });
});
