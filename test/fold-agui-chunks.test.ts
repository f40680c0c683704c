/**
 * Our chunk rules are AG-UI's: for every generated stream that AG-UI's own chunk expansion
 * (`transformChunks` from @ag-ui/client) accepts, folding the chunks directly gives exactly what
 * folding AG-UI's expansion (explicit START/CONTENT/END, TOOL_CALL_START/ARGS/END) gives. The
 * streams AG-UI rejects (a first chunk without an id, an ambiguous or contradicting chunk) are
 * the cases where our fold is lenient on purpose (docs/protocol.md § Folding events); the test
 * counts them so it cannot pass by skipping everything.
 */

import { transformChunks } from "@ag-ui/client";
import type { BaseEvent } from "@ag-ui/core";
import { createFoldState, foldEvent, foldSnapshot } from "@backchannel/protocol/fold";
import fc from "fast-check";
// rxjs is what @ag-ui/client's transforms run on (its dependency, hoisted).
import { from, lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import { agUiStrict, scriptArbitrary } from "./helpers/agui-streams.js";

const RUN = [{ type: "RUN_STARTED", threadId: "t", runId: "run-1" }] as BaseEvent[];
const END = [{ type: "RUN_FINISHED", threadId: "t", runId: "run-1" }] as BaseEvent[];

function fold(events: BaseEvent[]) {
  const f = createFoldState({ messages: [{ id: "u1", role: "user", content: "Go" }], state: {} });
  for (const event of events) foldEvent(f, event);
  return JSON.parse(JSON.stringify(foldSnapshot(f)));
}

async function expandWithAgUi(events: BaseEvent[]): Promise<BaseEvent[] | undefined> {
  try {
    return await lastValueFrom(from(events).pipe(transformChunks(false), toArray()));
  } catch {
    return undefined; // AG-UI refuses this stream.
  }
}

describe("chunk events fold as AG-UI expands them", () => {
  it("random streams: folding chunks equals folding AG-UI's expansion of them", async () => {
    const previous = process.env.SUPPRESS_TRANSFORMATION_WARNINGS;
    process.env.SUPPRESS_TRANSFORMATION_WARNINGS = "true";
    let compared = 0;
    let refused = 0;
    try {
      await fc.assert(
        fc.asyncProperty(scriptArbitrary(), async ({ events }) => {
          // As generated (AG-UI refuses many: id-less openers), and rewritten to what AG-UI accepts.
          for (const stream of [[...RUN, ...events, ...END], agUiStrict([...RUN, ...events, ...END])]) {
            const expanded = await expandWithAgUi(stream);
            if (!expanded) {
              refused++;
              continue;
            }
            compared++;
            expect(fold(stream)).toStrictEqual(fold(expanded));
          }
        }),
        { numRuns: 1000 },
      );
    } finally {
      if (previous === undefined) delete process.env.SUPPRESS_TRANSFORMATION_WARNINGS;
      else process.env.SUPPRESS_TRANSFORMATION_WARNINGS = previous;
    }
    // Both kinds of stream occur: the comparison is not vacuous.
    expect(compared).toBeGreaterThan(900);
    expect(refused).toBeGreaterThan(0);
  });
});
