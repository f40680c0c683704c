/**
 * Where the example keeps its files, whether it runs from source or from agent-dist/.
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The examples/opshub folder: the nearest parent holding this example's package.json. */
export function exampleRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "@backchannel/example-opshub")
      return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`Could not find examples/opshub above ${from}`);
    dir = up;
  }
}

/** The data folder: `OPSHUB_DATA_DIR`, else examples/opshub/.data. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.OPSHUB_DATA_DIR || join(exampleRoot(), ".data");
}
