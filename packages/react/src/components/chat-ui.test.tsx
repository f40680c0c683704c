// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createTcpProxy } from "../../../../test/helpers/tcp-proxy.js";
import { providerFor, startServer } from "../../test/server.js";
import { useCopilotAction } from "../hooks/use-copilot-action.js";
import { CopilotChat } from "./copilot-chat.js";
import { CopilotPopup } from "./copilot-popup.js";
import { CopilotSidebar } from "./copilot-sidebar.js";

let srv: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(() => srv.close());
afterEach(cleanup);

function type(text: string) {
  const box = screen.getByRole("textbox");
  fireEvent.change(box, { target: { value: text } });
  return box;
}
function pressEnter(box: HTMLElement, init: Partial<KeyboardEventInit> = {}) {
  fireEvent.keyDown(box, { key: "Enter", code: "Enter", ...init });
}
const log = () => screen.getByRole("log");

/** A human-in-the-loop action the tests approve from the UI. */
function Approve() {
  useCopilotAction<{ amount: number }>({
    name: "approveTransfer",
    description: "Ask the user to approve a transfer",
    parameters: [{ name: "amount", type: "number" }],
    renderAndWaitForResponse: ({ args, status, respond }) => (
      <div data-testid="approval">
        <span>Transfer {args.amount}?</span>
        <span data-testid="status">{status}</span>
        {respond && (
          <button type="button" onClick={() => respond("approved by user")}>
            Approve
          </button>
        )}
      </div>
    ),
  });
  return null;
}

/** A tool with a handler and no renderer. */
function Lookup() {
  useCopilotAction({ name: "lookupFund", description: "Looks up a fund", handler: () => ({ nav: 1 }) });
  return null;
}

describe("<CopilotChat>", () => {
  it("shows the greeting, sends on Enter, streams the answer into the log", async () => {
    const Wrapper = providerFor(srv.wsUrl);
    render(
      <Wrapper>
        <CopilotChat labels={{ initial: "Hi! Ask me about your portfolio.", placeholder: "Ask away" }} />
      </Wrapper>,
    );
    expect(within(log()).getByText("Hi! Ask me about your portfolio.")).toBeTruthy();
    const box = type("what is NAV?");
    expect(screen.getByRole("textbox").getAttribute("placeholder")).toBe("Ask away");
    pressEnter(box);
    expect((box as HTMLTextAreaElement).value).toBe("");
    await waitFor(() => expect(within(log()).getByText("what is NAV?")).toBeTruthy());
    await waitFor(() => expect(within(log()).getByText("You said: what is NAV?")).toBeTruthy());
    await waitFor(() => expect(log().getAttribute("aria-busy")).toBe("false"));
  });

  it("Shift+Enter does not send, and an empty box never sends", async () => {
    const Wrapper = providerFor(srv.wsUrl);
    render(
      <Wrapper>
        <CopilotChat />
      </Wrapper>,
    );
    const box = type("line one");
    pressEnter(box, { shiftKey: true });
    expect((box as HTMLTextAreaElement).value).toBe("line one");
    type("   ");
    pressEnter(box);
    expect((screen.getByRole("button", { name: "Send" }) as HTMLButtonElement).disabled).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(log().querySelectorAll(".bc-msg-user")).toHaveLength(0);
  });

  it("renders Markdown lists, tables and code, and never raw HTML or script links", async () => {
    const Wrapper = providerFor(srv.wsUrl);
    render(
      <Wrapper>
        <CopilotChat />
      </Wrapper>,
    );
    pressEnter(type("markdown"));
    await waitFor(() => expect(log().querySelector("table")).not.toBeNull(), { timeout: 5000 });
    await waitFor(() => expect(log().getAttribute("aria-busy")).toBe("false"));
    const answer = log().querySelector(".bc-msg-assistant .bc-md")!;
    expect(answer.querySelector("strong")?.textContent).toBe("bold");
    expect(answer.querySelectorAll("ul > li")).toHaveLength(2);
    expect([...answer.querySelectorAll("td")].map((td) => td.textContent?.trim())).toEqual([
      "Alpha",
      "101.5",
      "Beta",
      "98.2",
    ]);
    expect(answer.querySelector(".bc-code-lang")?.textContent).toBe("ts");
    expect(answer.querySelector("pre code")?.textContent).toContain("const nav = 101.5;");
    // The raw HTML is shown as text, not turned into elements.
    expect(answer.querySelector("script")).toBeNull();
    expect(answer.querySelector("img")).toBeNull();
    expect(answer.textContent).toContain("<script>window.__pwned = true</script>");
    const hrefs = [...answer.querySelectorAll("a")].map((a) => a.getAttribute("href"));
    expect(hrefs).toEqual(["https://example.com/docs"]);
    expect(answer.querySelector("a")?.getAttribute("rel")).toContain("noopener");
    expect((window as { __pwned?: boolean }).__pwned).toBeUndefined();
  });

  it("shows a typing indicator until the first token, and a stop button while answering", async () => {
    const Wrapper = providerFor(srv.wsUrl, { agent: "counter", forwardedProps: { count: 300, delayMs: 10 } });
    render(
      <Wrapper>
        <CopilotChat />
      </Wrapper>,
    );
    await waitFor(() => expect(log()).toBeTruthy());
    pressEnter(type("count"));
    await waitFor(() => expect(screen.getByRole("status", { name: "Assistant is typing" })).toBeTruthy());
    await waitFor(() => expect(within(log()).getByText(/^1 2 3/)).toBeTruthy());
    expect(screen.queryByRole("status", { name: "Assistant is typing" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Stop" }));
    await waitFor(() => expect(screen.getByRole("button", { name: "Send" })).toBeTruthy());
    expect(log().getAttribute("aria-busy")).toBe("false");
  });

  it("shows a failed answer's error in plain words with a retry button, and reports it to onError", async () => {
    const onError = vi.fn();
    const Wrapper = providerFor(srv.wsUrl, { agent: "failing" });
    render(
      <Wrapper>
        <CopilotChat onError={onError} />
      </Wrapper>,
    );
    pressEnter(type("please fail"));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The assistant ran into a problem while answering.");
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: "run_failed" }));
    fireEvent.click(within(alert).getByRole("button", { name: "Retry" }));
    await waitFor(() => expect(onError).toHaveBeenCalledTimes(2));
    // Retrying answered the same question again: still one user message.
    expect(log().querySelectorAll(".bc-msg-user")).toHaveLength(1);
  });

  it("draws tool calls with the app's renderer and waits for the user's answer", async () => {
    const Wrapper = providerFor(srv.wsUrl, { agent: "tools" });
    render(
      <Wrapper>
        <Approve />
        <CopilotChat />
      </Wrapper>,
    );
    pressEnter(type('call approveTransfer {"amount":250}'));
    const card = await screen.findByTestId("approval");
    await waitFor(() => expect(within(card).getByTestId("status").textContent).toBe("executing"));
    expect(within(card).getByText("Transfer 250?")).toBeTruthy();
    fireEvent.click(within(card).getByRole("button", { name: "Approve" }));
    await waitFor(() => expect(within(log()).getByText("Tool said: approved by user")).toBeTruthy());
    expect(within(screen.getByTestId("approval")).getByTestId("status").textContent).toBe("complete");
  });

  it("draws a default card for a tool call without a renderer", async () => {
    const Wrapper = providerFor(srv.wsUrl, { agent: "tools" });
    render(
      <Wrapper>
        <Lookup />
        <CopilotChat />
      </Wrapper>,
    );
    pressEnter(type('call lookupFund {"fund":"Alpha"}'));
    await waitFor(() => expect(within(log()).getByText('Tool said: {"nav":1}')).toBeTruthy());
    const tool = log().querySelector(".bc-tool")!;
    expect(tool.querySelector(".bc-tool-name")?.textContent).toBe("Lookup fund");
    expect(tool.querySelector(".bc-tool-status")?.textContent).toBe("Done");
    expect(tool.querySelector(".bc-tool-args")?.textContent).toContain('"fund": "Alpha"');
  });

  it("shows the agent's interrupt and continues the run with the user's answer", async () => {
    const Wrapper = providerFor(srv.wsUrl, { agent: "approver" });
    render(
      <Wrapper>
        <CopilotChat />
      </Wrapper>,
    );
    pressEnter(type("sign off please"));
    await waitFor(() => expect(within(log()).getByText("Sign off today's NAV?")).toBeTruthy());
    fireEvent.click(within(log()).getByRole("button", { name: "Continue" }));
    await waitFor(() =>
      expect(within(log()).getByText('Resumed sign-off:resolved:{"approved":true}')).toBeTruthy(),
    );
    expect(within(log()).queryByText("Sign off today's NAV?")).toBeNull();
  });

  it("explains a refused connection in plain words, with a reconnect button", async () => {
    const Wrapper = providerFor(srv.wsUrl, { getToken: () => "not-a-valid-key" });
    render(
      <Wrapper>
        <CopilotChat />
      </Wrapper>,
    );
    const banner = await screen.findByText(/Your session has expired or you're not signed in/);
    expect(
      within(banner.closest("[role=status]") as HTMLElement).getByRole("button", { name: "Reconnect" }),
    ).toBeTruthy();
  });

  it("shows the reconnect banner while the socket is down and the full answer once back", async () => {
    const proxy = await createTcpProxy({ port: srv.port });
    try {
      const Wrapper = providerFor(proxy.url("/copilotkit/ws"), {
        agent: "counter",
        forwardedProps: { count: 40, delayMs: 10 },
      });
      render(
        <Wrapper>
          <CopilotChat />
        </Wrapper>,
      );
      pressEnter(type("count"));
      await waitFor(() => expect(within(log()).getByText(/^1 2 3/)).toBeTruthy());
      proxy.refuse(true);
      proxy.cut();
      const banner = await screen.findByText("Connection lost. Reconnecting…");
      expect(banner.closest("[role=status]")).not.toBeNull();
      proxy.refuse(false);
      const full = Array.from({ length: 40 }, (_, i) => i + 1).join(" ");
      await waitFor(() => expect(log().querySelector(".bc-msg-assistant")?.textContent?.trim()).toBe(full), {
        timeout: 5000,
      });
      await waitFor(() => expect(screen.queryByText("Connection lost. Reconnecting…")).toBeNull());
    } finally {
      await proxy.close();
    }
  });
});

describe("<CopilotPopup> and <CopilotSidebar>", () => {
  it("popup: the launcher opens a labelled dialog, focuses the input, Esc closes and focus returns", async () => {
    const Wrapper = providerFor(srv.wsUrl);
    render(
      <Wrapper>
        <CopilotPopup labels={{ title: "Portfolio Assistant", initial: "Hello" }} />
      </Wrapper>,
    );
    const launcher = screen.getByRole("button", { name: "Open assistant" });
    expect(launcher.getAttribute("aria-expanded")).toBe("false");
    expect(screen.queryByRole("dialog")).toBeNull();
    fireEvent.click(launcher);
    const dialog = screen.getByRole("dialog", { name: "Portfolio Assistant" });
    await waitFor(() => expect(document.activeElement).toBe(within(dialog).getByRole("textbox")));
    expect(screen.getByRole("button", { name: "Close", expanded: true })).toBeTruthy();
    fireEvent.keyDown(within(dialog).getByRole("textbox"), { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole("button", { name: "Open assistant" })),
    );
  });

  it("popup: defaultOpen, and the header's close button", async () => {
    const Wrapper = providerFor(srv.wsUrl);
    render(
      <Wrapper>
        <CopilotPopup defaultOpen labels={{ title: "Helper" }} />
      </Wrapper>,
    );
    const dialog = screen.getByRole("dialog", { name: "Helper" });
    fireEvent.click(within(dialog).getByRole("button", { name: "Close" }));
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("sidebar: opens from the launcher, is hidden from assistive tech when closed, Esc closes", async () => {
    const Wrapper = providerFor(srv.wsUrl);
    render(
      <Wrapper>
        <CopilotSidebar labels={{ title: "Portfolio Assistant" }} defaultOpen={false}>
          <main>Holdings</main>
        </CopilotSidebar>
      </Wrapper>,
    );
    expect(screen.getByText("Holdings")).toBeTruthy();
    const aside = document.querySelector("aside.bc-sidebar")!;
    expect(aside.getAttribute("aria-hidden")).toBe("true");
    fireEvent.click(screen.getByRole("button", { name: "Open assistant" }));
    expect(aside.getAttribute("aria-hidden")).toBeNull();
    expect(aside.getAttribute("data-open")).toBe("true");
    await waitFor(() =>
      expect(document.activeElement).toBe(within(aside as HTMLElement).getByRole("textbox")),
    );
    fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    expect(aside.getAttribute("data-open")).toBeNull();
  });

  it("sends instructions as context while the chat is mounted", async () => {
    const Wrapper = providerFor(srv.wsUrl);
    render(
      <Wrapper>
        <CopilotChat instructions="Answer in one sentence." />
      </Wrapper>,
    );
    pressEnter(type("context"));
    await waitFor(() => expect(within(log()).getByText(/Answer in one sentence\./)).toBeTruthy());
    await act(async () => {});
  });
});
