// @vitest-environment happy-dom
/**
 * An answer served from the server's response cache, in the chat UI over a real server and
 * socket: the repeated question's answer carries one "From cache" tag; the first does not.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { reactTestAgents } from "../../test/agents.js";
import { providerFor, startServer } from "../../test/server.js";
import { CopilotChat } from "./copilot-chat.js";

let srv: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  srv = await startServer({ responseCache: { ttlMs: 60_000 }, agents: reactTestAgents as never });
});
afterAll(() => srv.close());
afterEach(cleanup);

function send(text: string) {
  const box = screen.getByRole("textbox");
  fireEvent.change(box, { target: { value: text } });
  fireEvent.keyDown(box, { key: "Enter", code: "Enter" });
}

it("tags the answer served from cache 'From cache', once, and only that answer", async () => {
  const Wrapper = providerFor(srv.wsUrl, { agent: "echo" });
  const { container } = render(
    <Wrapper>
      <CopilotChat />
    </Wrapper>,
  );
  const log = () => screen.getByRole("log");
  send("Top 10 holdings");
  await waitFor(() => expect(log().getAttribute("aria-busy")).not.toBe("true"));
  await waitFor(() =>
    expect(container.querySelectorAll(".bc-msg-assistant:not(.bc-typing-row)").length).toBe(1),
  );
  await srv.sdk.responseCache.flush();
  expect(container.querySelectorAll(".bc-cache-tag")).toHaveLength(0);
  send("Top 10 holdings");
  await waitFor(() => expect(container.querySelectorAll(".bc-cache-tag")).toHaveLength(1));
  const answers = container.querySelectorAll(".bc-msg-assistant:not(.bc-typing-row)");
  expect(answers).toHaveLength(2);
  expect(answers[1]!.textContent).toBe(answers[0]!.textContent);
  expect(within(log()).getByText("From cache").previousElementSibling).toBe(answers[1]);
});
