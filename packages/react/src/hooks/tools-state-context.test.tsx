// @vitest-environment happy-dom
import { act, cleanup, renderHook, waitFor } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { providerFor, startServer } from "../../test/server.js";
import { useCoAgent } from "./use-co-agent.js";
import { useCopilotAction } from "./use-copilot-action.js";
import { useCopilotChat } from "./use-copilot-chat.js";
import { useCopilotReadable } from "./use-copilot-readable.js";

let srv: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(() => srv.close());
afterEach(cleanup);

const text = (m: { content?: unknown } | undefined) => (typeof m?.content === "string" ? m.content : "");

describe("useCopilotReadable", () => {
  it("sends app context with each run, and stops when unmounted or unavailable", async () => {
    const { result, rerender } = renderHook(
      ({ value, available }: { value: object; available: boolean }) => {
        useCopilotReadable({ description: "Selected fund", value, available });
        return useCopilotChat();
      },
      { wrapper: providerFor(srv.wsUrl), initialProps: { value: { fund: "Alpha" }, available: true } },
    );
    await act(() => result.current.sendMessage({ content: "context" }));
    expect(text(result.current.messages.at(-1))).toBe(
      `Context: ${JSON.stringify([{ description: "Selected fund", value: '{"fund":"Alpha"}' }])}`,
    );
    rerender({ value: { fund: "Beta" }, available: true });
    await act(() => result.current.sendMessage({ content: "context" }));
    expect(text(result.current.messages.at(-1))).toContain('{\\"fund\\":\\"Beta\\"}');
    expect(text(result.current.messages.at(-1))).not.toContain("Alpha");
    rerender({ value: { fund: "Beta" }, available: false });
    await act(() => result.current.sendMessage({ content: "context" }));
    expect(text(result.current.messages.at(-1))).toBe("Context: []");
  });
});

describe("useCopilotAction", () => {
  it("offers the tool, runs its handler with parsed args, and the agent continues with the result", async () => {
    const handler = vi.fn(async ({ ticker }: { ticker: string }) => ({ price: ticker === "ACME" ? 42 : 0 }));
    const { result } = renderHook(
      () => {
        useCopilotAction({
          name: "getPrice",
          description: "Looks up a price",
          parameters: [{ name: "ticker", type: "string", description: "Symbol" }],
          handler,
        });
        return useCopilotChat();
      },
      { wrapper: providerFor(srv.wsUrl, { agent: "tools" }) },
    );
    await act(() => result.current.sendMessage({ content: 'call getPrice {"ticker":"ACME"}' }));
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]![0]).toEqual({ ticker: "ACME" });
    const roles = result.current.messages.map((m) => m.role);
    expect(roles).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(text(result.current.messages.at(-1))).toBe('Tool said: {"price":42}');
  });

  it("sends the parameters as JSON Schema, and removes the tool on unmount", async () => {
    const { result, rerender } = renderHook(
      ({ on }: { on: boolean }) => {
        useCopilotAction({
          name: "lookup",
          description: "d",
          available: on ? "enabled" : "disabled",
          handler: () => "ok",
        });
        return useCopilotChat();
      },
      { wrapper: providerFor(srv.wsUrl, { agent: "tools" }), initialProps: { on: true } },
    );
    await act(() => result.current.sendMessage({ content: "call nothing {}" }));
    expect(text(result.current.messages.at(-1))).toBe("No tool nothing; offered: lookup");
    rerender({ on: false });
    await act(() => result.current.sendMessage({ content: "call nothing {}" }));
    expect(text(result.current.messages.at(-1))).toBe("No tool nothing; offered: ");
  });

  it("waits for the UI to respond when the action has no handler (human in the loop)", async () => {
    const { result } = renderHook(
      () => {
        useCopilotAction({
          name: "approve",
          description: "Asks the user",
          renderAndWaitForResponse: () => null,
        });
        return useCopilotChat();
      },
      { wrapper: providerFor(srv.wsUrl, { agent: "tools" }) },
    );
    let done!: Promise<unknown>;
    act(() => {
      done = result.current.sendMessage({ content: 'call approve {"amount":5}' });
    });
    await waitFor(() => expect(result.current.pendingToolCalls).toHaveLength(1));
    expect(result.current.isLoading).toBe(true);
    expect(result.current.pendingToolCalls[0]!.args).toEqual({ amount: 5 });
    act(() => result.current.pendingToolCalls[0]!.respond("approved"));
    await act(() => done);
    expect(text(result.current.messages.at(-1))).toBe("Tool said: approved");
  });
});

describe("useCoAgent", () => {
  it("syncs state both ways: initialState and setState go up, snapshots and deltas come down", async () => {
    const { result } = renderHook(
      () => {
        const agent = useCoAgent<{ count?: number; status?: string; note?: string }>({
          name: "stateful",
          initialState: { count: 10 },
        });
        const chat = useCopilotChat();
        return { agent, chat };
      },
      { wrapper: providerFor(srv.wsUrl, { agent: "stateful" }) },
    );
    expect(result.current.agent.state).toEqual({ count: 10 });
    await waitFor(() => expect(result.current.chat.connectionState).toBe("connected"));
    await act(() => result.current.chat.sendMessage({ content: "go" }));
    expect(result.current.agent.state).toEqual({ count: 11, status: "done" });
    expect(text(result.current.chat.messages.at(-1))).toBe('Saw {"count":10}');

    act(() => result.current.agent.setState((prev) => ({ ...prev, note: "from the page" })));
    expect(result.current.agent.state).toEqual({ count: 11, status: "done", note: "from the page" });
    await act(() => result.current.chat.sendMessage({ content: "again" }));
    expect(text(result.current.chat.messages.at(-1))).toBe(
      'Saw {"count":11,"status":"done","note":"from the page"}',
    );
    expect(result.current.agent.state.count).toBe(12);
    expect(result.current.agent.running).toBe(false);
  });

  it("run() starts the agent on the current state without a new message", async () => {
    const { result } = renderHook(
      () => {
        const agent = useCoAgent<{ count?: number; status?: string }>({
          name: "stateful",
          initialState: { count: 5 },
        });
        const chat = useCopilotChat();
        return { agent, chat };
      },
      { wrapper: providerFor(srv.wsUrl, { agent: "stateful" }) },
    );
    await waitFor(() => expect(result.current.chat.connectionState).toBe("connected"));
    act(() => result.current.agent.setState({ count: 41 }));
    const outcome = await act(() => result.current.agent.run());
    expect(outcome.status).toBe("finished");
    expect(result.current.agent.state).toEqual({ count: 42, status: "done" });
    expect(result.current.chat.messages.map((m) => m.role)).toEqual(["assistant"]);
    expect(text(result.current.chat.messages[0])).toBe('Saw {"count":41}');
  });

  it("reports running while the agent works", async () => {
    const { result } = renderHook(
      () => {
        const agent = useCoAgent({ name: "counter" });
        const chat = useCopilotChat();
        return { agent, chat };
      },
      { wrapper: providerFor(srv.wsUrl, { agent: "counter", forwardedProps: { count: 20, delayMs: 10 } }) },
    );
    let done!: Promise<unknown>;
    act(() => {
      done = result.current.chat.sendMessage({ content: "go" });
    });
    await waitFor(() => expect(result.current.agent.running).toBe(true));
    await act(() => done);
    expect(result.current.agent.running).toBe(false);
  });

  it("keeps a separate thread for an agent other than the chat's", async () => {
    const { result } = renderHook(
      () => {
        const agent = useCoAgent<{ count?: number }>({ name: "stateful", initialState: { count: 1 } });
        const chat = useCopilotChat();
        return { agent, chat };
      },
      { wrapper: providerFor(srv.wsUrl) },
    );
    await act(() => result.current.chat.sendMessage({ content: "state" }));
    // The chat (echo) got its own empty state; the co-agent keeps its own.
    expect(text(result.current.chat.messages.at(-1))).toBe("State: {}");
    expect(result.current.agent.state).toEqual({ count: 1 });
  });
});
