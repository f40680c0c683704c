// @vitest-environment happy-dom
/**
 * Answers that end early, in the chat UI, over real servers and sockets: a run the backend
 * lost (it died mid-answer; the restarted one cannot resume it), a run that failed (RUN_ERROR),
 * a stored conversation whose last run failed, and an answer the user stopped.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createThreadsApi } from "@backchannel/client";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTcpProxy } from "../../../../test/helpers/tcp-proxy.js";
import { API_KEY, providerFor, startServer } from "../../test/server.js";
import { CopilotChat } from "./copilot-chat.js";

let srv: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  srv = await startServer({
    store: undefined,
    dataDir: mkdtempSync(join(tmpdir(), "bc-react-ending-")),
    allowedOrigins: [window.location.origin],
  });
});
afterAll(() => srv.close());
afterEach(cleanup);

const log = () => screen.getByRole("log");
function send(text: string) {
  const box = screen.getByRole("textbox");
  fireEvent.change(box, { target: { value: text } });
  fireEvent.keyDown(box, { key: "Enter", code: "Enter" });
}
const numbers = (n: number) => Array.from({ length: n }, (_, i) => i + 1).join(" ");

describe("an answer cut off by a failure", () => {
  it("backend died mid-answer and the run could not be resumed: an interrupted notice on it, and Retry answers again", async () => {
    const first = await startServer();
    const proxy = await createTcpProxy({ port: first.port });
    let second: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      const Wrapper = providerFor(proxy.url("/copilotkit/ws"), {
        agent: "counter",
        forwardedProps: { count: 30, delayMs: 15 },
      });
      render(
        <Wrapper>
          <CopilotChat />
        </Wrapper>,
      );
      send("count");
      await waitFor(() => expect(log().querySelector(".bc-msg-assistant")?.textContent).toMatch(/^1 2 3 /));
      // The backend dies; a new one (which never heard of the run) takes its place.
      proxy.refuse(true);
      proxy.cut();
      await first.close();
      second = await startServer();
      proxy.retarget(second.port);
      proxy.refuse(false);

      const notice = await screen.findByRole("alert", {}, { timeout: 10_000 });
      expect(notice.textContent).toContain("This answer was interrupted.");
      expect(notice.textContent).toContain("Part of the answer was lost while reconnecting.");
      // On that answer: right after its bubble, and the only error shown.
      const answer = log().querySelector(".bc-msg-assistant")!;
      expect(answer.nextElementSibling).toBe(notice);
      expect(answer.textContent).not.toBe(numbers(30));
      expect(screen.getAllByRole("alert")).toHaveLength(1);

      fireEvent.click(within(notice).getByRole("button", { name: "Retry" }));
      await waitFor(() => expect(screen.queryByRole("alert")).toBeNull());
      await waitFor(() => expect(log().getAttribute("aria-busy")).toBe("false"), { timeout: 10_000 });
      const answers = log().querySelectorAll(".bc-msg-assistant");
      expect(answers).toHaveLength(1);
      expect(answers[0]!.textContent?.trim()).toBe(numbers(30));
      expect(log().querySelectorAll(".bc-msg-user")).toHaveLength(1);
      expect(log().querySelector(".bc-ending-tag")).toBeNull();
    } finally {
      await proxy.close();
      await second?.close();
    }
  });

  it("RUN_ERROR after a partial answer: the notice sits on that answer; a later turn leaves an Interrupted tag", async () => {
    const Wrapper = providerFor(srv.wsUrl, { agent: "failing" });
    render(
      <Wrapper>
        <CopilotChat />
      </Wrapper>,
    );
    send("please fail");
    const notice = await screen.findByRole("alert");
    expect(notice.textContent).toBe(
      "This answer was interrupted. The assistant ran into a problem while answering. Retry, or rephrase your question.Retry",
    );
    const partial = log().querySelector(".bc-msg-assistant")!;
    expect(partial.textContent).toBe("Partial");
    expect(partial.nextElementSibling).toBe(notice);
    // A new question: the old answer keeps a small tag, the new failure gets the notice.
    send("again");
    await waitFor(() => expect(log().querySelectorAll(".bc-msg-assistant")).toHaveLength(2));
    await waitFor(() => expect(screen.getAllByRole("alert")).toHaveLength(1));
    const tag = log().querySelector(".bc-ending-tag")!;
    expect(tag.textContent).toBe("Interrupted");
    expect(tag.previousElementSibling).toBe(partial);
    expect(log().querySelectorAll(".bc-msg-assistant")[1]!.nextElementSibling).toBe(
      screen.getByRole("alert"),
    );
  });

  it("a stored conversation whose last run failed shows the notice again after a reload", async () => {
    const threadId = `ending-reload-${Date.now()}`;
    const Wrapper = providerFor(srv.wsUrl, { agent: "failing", threadId });
    const first = render(
      <Wrapper>
        <CopilotChat />
      </Wrapper>,
    );
    send("please fail");
    await screen.findByRole("alert");
    first.unmount();
    // The failed run is written just after it ends.
    const api = createThreadsApi({ baseUrl: `${srv.httpUrl}/copilotkit`, token: API_KEY });
    await waitFor(async () => expect((await api.get(threadId))?.lastRunStatus).toBe("error"));

    const errors: string[] = [];
    render(
      <Wrapper>
        <CopilotChat onError={(e) => errors.push(e.code)} />
      </Wrapper>,
    );
    const notice = await screen.findByRole("alert");
    expect(notice.textContent).toContain("This answer was interrupted.");
    expect(log().querySelector(".bc-msg-assistant")?.nextElementSibling).toBe(notice);
    expect(log().querySelector(".bc-msg-assistant")?.textContent).toBe("Partial");
    fireEvent.click(within(notice).getByRole("button", { name: "Retry" }));
    // Retried from the stored question: the agent fails again, still one question in the log.
    await waitFor(() => expect(errors).toEqual(["run_failed"]));
    await screen.findByRole("alert");
    expect(log().querySelectorAll(".bc-msg-user")).toHaveLength(1);
  });
});

describe("an answer the user stopped", () => {
  it("gets a subtle Stopped tag (no alert, no retry), which stays when the chat goes on", async () => {
    const Wrapper = providerFor(srv.wsUrl, { agent: "counter", forwardedProps: { count: 300, delayMs: 10 } });
    render(
      <Wrapper>
        <CopilotChat />
      </Wrapper>,
    );
    send("count");
    await waitFor(() => expect(log().querySelector(".bc-msg-assistant")?.textContent).toMatch(/^1 2 3 /));
    fireEvent.click(screen.getByRole("button", { name: "Stop" }));
    const tag = await waitFor(() => {
      const el = log().querySelector(".bc-ending-tag");
      expect(el).not.toBeNull();
      return el!;
    });
    expect(tag.textContent).toBe("Stopped");
    expect(tag.getAttribute("data-ending")).toBe("stopped");
    expect(tag.previousElementSibling).toBe(log().querySelector(".bc-msg-assistant"));
    expect(screen.queryByRole("alert")).toBeNull();
    expect(within(log()).queryByRole("button", { name: "Retry" })).toBeNull();
  });
});
