/**
 * The offline model: which tools it calls for the UI's suggested questions and sensible
 * variations, and that it is a real streaming LangChain chat model.
 */
import { type AIMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../data/db.js";
import { classify } from "./intent.js";
import { OfflineChatModel } from "./offline-chat-model.js";
import { loadVocabulary } from "./vocabulary.js";

const db = openDatabase(":memory:");
const vocab = loadVocabulary(db);
afterAll(() => db.close());

const TOOLS = [
  "get_holdings",
  "get_position",
  "get_exposures",
  "get_nav",
  "run_validations",
  "filterHoldings",
  "highlightHoldings",
  "openPosition",
].map((name) => ({
  type: "function",
  function: { name, description: name, parameters: { type: "object", properties: {} } },
}));

describe("classify", () => {
  it.each([
    ["Run validations", { kind: "validations", highlight: true }],
    ["run the pre-NAV checks please", { kind: "validations", highlight: true }],
    ["Any issues with the book today?", { kind: "validations", highlight: true }],
    ["Highlight the breaks", { kind: "validations", checks: ["custodian_breaks"], highlight: true }],
    ["are there stale prices?", { kind: "validations", checks: ["stale_prices"], highlight: false }],
    ["Top 10 holdings", { kind: "top", limit: 10, order: "desc" }],
    [
      "what are our five largest bond positions",
      { kind: "top", limit: 5, filter: { assetClass: "Fixed Income" } },
    ],
    ["smallest 3 equities", { kind: "top", limit: 3, order: "asc", filter: { assetClass: "Equity" } }],
    ["Exposure by currency", { kind: "exposure", by: "currency" }],
    ["show me the breakdown by region", { kind: "exposure", by: "region" }],
    ["sector allocation", { kind: "exposure", by: "sector" }],
    ["What's the NAV?", { kind: "nav", history: false }],
    ["NAV history", { kind: "nav", history: true }],
    ["Tell me about NVDA", { kind: "position", ticker: "NVDA", open: true }],
    ["how is toyota doing", { kind: "position", ticker: "7203", open: true }],
    ["and Apple?", { kind: "position", ticker: "AAPL", open: true }],
    ["Show energy holdings", { kind: "filter", filter: { sector: "Energy" } }],
    ["filter to EUR", { kind: "filter", filter: { currency: "EUR" } }],
    ["Clear filters", { kind: "clear" }],
    ["hello", { kind: "help" }],
  ])("%s", (question, expected) => {
    expect(classify(question, vocab, {})).toMatchObject(expected);
  });

  it("reads the selected position from the page context", () => {
    expect(classify("Explain the selected position", vocab, { selectedTicker: "SAP" })).toEqual({
      kind: "position",
      ticker: "SAP",
      open: false,
    });
    // Without a selection it is not a position question.
    expect(classify("Explain the selected position", vocab, {}).kind).toBe("help");
  });

  it("does not take ordinary words for tickers", () => {
    expect(classify("show me all or nothing", vocab, {}).kind).not.toBe("position");
    expect(classify("what is the nav per share", vocab, {}).kind).toBe("nav");
  });
});

describe("OfflineChatModel", () => {
  const model = new OfflineChatModel({ vocabulary: vocab, tokenDelayMs: 0 });

  it("calls the data tool first, then the page's tool, then answers from the results", async () => {
    const bound = model.bindTools(TOOLS);
    const q = new HumanMessage("Highlight the breaks");
    const first = (await bound.invoke([q])) as AIMessage;
    expect(first.tool_calls).toMatchObject([
      { name: "run_validations", args: { checks: ["custodian_breaks"] } },
    ]);

    const report = {
      checks: [
        {
          id: "custodian_breaks",
          title: "Custodian breaks",
          severity: "error",
          status: "fail",
          summary: "2 positions differ.",
          items: [
            { ticker: "MSFT", name: "Microsoft", detail: "book 1 vs 0" },
            { ticker: "SAP", name: "SAP SE", detail: "book 2 vs 3" },
          ],
        },
      ],
      summary: { errors: 1, warnings: 0, passed: 0 },
      flaggedTickers: ["MSFT", "SAP"],
      asOf: "2026-10-30",
      fund: "F",
    };
    const afterData = [
      q,
      first,
      new ToolMessage({ tool_call_id: first.tool_calls![0]!.id!, content: JSON.stringify(report) }),
    ];
    const second = (await bound.invoke(afterData)) as AIMessage;
    expect(second.tool_calls).toMatchObject([
      { name: "highlightHoldings", args: { tickers: ["MSFT", "SAP"] } },
    ]);

    const afterPage = [
      ...afterData,
      second,
      new ToolMessage({ tool_call_id: second.tool_calls![0]!.id!, content: "Highlighted 2 rows." }),
    ];
    const chunks: string[] = [];
    for await (const chunk of await bound.stream(afterPage)) chunks.push(String(chunk.content));
    expect(chunks.length).toBeGreaterThan(20);
    const text = chunks.join("");
    expect(text).toContain("**Custodian breaks** — 2 positions differ.");
    expect(text).toContain("highlighted the 2 affected rows");
  });

  it("calls only the tools it was given", async () => {
    const onlyServer = model.bindTools(
      TOOLS.filter((t) => !["highlightHoldings", "filterHoldings", "openPosition"].includes(t.function.name)),
    );
    const q = new HumanMessage("Tell me about MSFT");
    const first = (await onlyServer.invoke([
      new SystemMessage("You are OpsHub's assistant."),
      q,
    ])) as AIMessage;
    expect(first.tool_calls?.[0]?.name).toBe("get_position");
    const holding = {
      asOf: "2026-10-30",
      staleAfterBusinessDays: 2,
      holding: {
        ticker: "MSFT",
        name: "Microsoft Corp",
        assetClass: "Equity",
        sector: "IT",
        region: "North America",
        currency: "USD",
        quantity: 10,
        custodianQuantity: 10,
        custodian: "State Street",
        price: 100,
        priceDate: "2026-10-30",
        marketValueUsd: 1000,
        weightPct: 1,
        costPrice: 80,
        couponPct: null,
        maturityYear: null,
        fxRate: 1,
      },
    };
    const answer = (await onlyServer.invoke([
      q,
      first,
      new ToolMessage({ tool_call_id: first.tool_calls![0]!.id!, content: JSON.stringify(holding) }),
    ])) as AIMessage;
    expect(answer.tool_calls ?? []).toEqual([]);
    expect(String(answer.content)).toContain("**Microsoft Corp** (`MSFT`)");
    expect(String(answer.content)).not.toContain("opened its detail panel");
  });

  it("stops streaming when the run is cancelled", async () => {
    const slow = new OfflineChatModel({ vocabulary: vocab, tokenDelayMs: 20 });
    const controller = new AbortController();
    const chunks: string[] = [];
    const stream = await slow.stream([new HumanMessage("hello")], { signal: controller.signal });
    await expect(
      (async () => {
        for await (const c of stream) {
          chunks.push(String(c.content));
          if (chunks.length === 3) controller.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(chunks.length).toBeLessThan(6);
  });
});
