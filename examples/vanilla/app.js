// The whole client: a copilot session from @backchannel/client, rendered by hand.
import { createCopilotSession } from "@backchannel/client";

// One conversation per browser: a reload shows it again (the session loads its history).
const threadId = localStorage.getItem("vanilla-thread") ?? crypto.randomUUID();
localStorage.setItem("vanilla-thread", threadId);

const session = createCopilotSession({
  wsUrl: "/copilotkit/ws",
  // A demo key, fine on localhost. A real app uses runtimeUrl and its own sign-in instead.
  headers: { Authorization: "Bearer vanilla-demo-key" },
  threadId,
  onError: (error) => console.warn(error.code, error.message),
});

// A client tool: the agent calls it, the browser runs it, the answer goes back to the agent.
session.registerTool({
  name: "setAccent",
  description: "Sets the page's accent colour (a CSS colour name)",
  parameters: { type: "object", properties: { color: { type: "string" } }, required: ["color"] },
  handler: ({ color }) => {
    document.documentElement.style.setProperty("--accent", color);
    return `The accent is now ${color}.`;
  },
});

const list = document.querySelector("#messages");
const status = document.querySelector("#status");

function render() {
  status.value = session.getSnapshot().connection.connectionState;
  const messages = session.getChatThread()?.getSnapshot().messages ?? [];
  list.replaceChildren(
    ...messages
      .filter(
        (m) => (m.role === "user" || m.role === "assistant") && typeof m.content === "string" && m.content,
      )
      .map((m) => {
        const item = document.createElement("li");
        item.className = m.role;
        item.textContent = m.content; // text, never HTML
        return item;
      }),
  );
}

// Re-render on session changes (connection, a new chat thread) and on each thread change
// (streaming text arrives here, at most once per animation frame).
let thread = null;
let offThread = () => {};
function sync() {
  const next = session.getChatThread();
  if (next !== thread) {
    offThread();
    thread = next;
    offThread = thread ? thread.subscribe(render) : () => {};
  }
  render();
}
session.subscribe(sync);
sync();

document.querySelector("#ask").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = document.querySelector("#question");
  const text = input.value.trim();
  input.value = "";
  if (text) void session.sendMessage(text);
});
