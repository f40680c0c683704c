// @vitest-environment happy-dom
/**
 * The founding spec's frontend code (shared/seed/copilotkit-websocket.txt), with only its
 * import paths changed, against a real runtime mounted at /api/copilotkit on the page's origin.
 * Differences from the seed, all outside our API: `children` gets a type (strict TypeScript),
 * and the seed's `" disconnected "` (spaces from the document's typesetting) reads "disconnected".
 */
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { useEffect, useState } from "react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { startServer } from "../test/server.js";
// --- the seed's imports, paths changed ---
import { CopilotKit, CopilotPopup, CopilotSidebar, useCopilotChat } from "./index.js";
import "../styles.css";

// ------------------------------------------------------------------ seed code (verbatim)

function YourComponent() {
  return <p>Your component</p>;
}

function YourPage() {
  return (
    <CopilotKit runtimeUrl="/api/copilotkit">
      <YourComponent />
      {/* Add floating chat popup */}
      <CopilotPopup
        labels={{
          title: "Portfolio Assistant",
          initial: "Hi! How can I help with your portfolio today?",
        }}
      />
    </CopilotKit>
  );
}

function ChatComponent() {
  const { messages, sendMessage, isLoading, error } = useCopilotChat();

  const handleSend = async (text: string) => {
    await sendMessage({
      role: "user",
      content: text,
    });
  };

  return (
    <div>
      {messages.map((msg, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the seed's code
        <div key={i} className={msg.role}>
          {msg.content}
        </div>
      ))}
      {isLoading && <div> Agent is thinking ...</div>}
      {error && <div> Error : {error.message}</div>}
      <input
        onKeyPress={(e) => {
          if (e.key === "Enter") {
            handleSend(e.currentTarget.value);
          }
        }}
        placeholder="Ask me anything..."
      />
    </div>
  );
}

function PortfolioTable() {
  return <table aria-label="holdings" />;
}

function PortfolioPage() {
  return (
    <CopilotKit runtimeUrl="/api/copilotkit">
      <div className="flex h-screen">
        {/* Main content */}
        <div className="flex-1">
          <h1> Portfolio Holdings </h1>
          <PortfolioTable />
        </div>
        {/* Contextual sidebar */}
        <CopilotSidebar
          labels={{
            title: "Portfolio Assistant",
            initial:
              "I can help you analyze holdings, run validations, or answer questions about your portfolio.",
          }}
          defaultOpen={false}
        />
      </div>
    </CopilotKit>
  );
}

function RobustCopilotProvider({ children }: { children: ReactNode }) {
  const [connectionError, setConnectionError] = useState<string | null>(null);
  return (
    <CopilotKit
      runtimeUrl="/api/copilotkit"
      onError={(error) => {
        console.error("CopilotKit error:", error);
        setConnectionError(error.message);
      }}
    >
      {connectionError && (
        <div className="bg-red-100 border border-red-400 text-red-700 px-4 py-3 rounded">
          Connection error : {connectionError}
        </div>
      )}
      {children}
    </CopilotKit>
  );
}

function ChatWithReconnect() {
  const { connectionState, reconnect } = useCopilotChat();
  useEffect(() => {
    if (connectionState === "disconnected") {
      // Attempt reconnection after 3 seconds
      const timer = setTimeout(() => {
        reconnect();
      }, 3000);
      return () => clearTimeout(timer);
    }
  }, [connectionState, reconnect]);
  return (
    <div>
      {connectionState === "disconnected" && (
        <div className="text-yellow-600">Connection lost . Reconnecting ...</div>
      )}
      {/* Rest of chat UI */}
    </div>
  );
}

// ------------------------------------------------------------------ tests

let srv: Awaited<ReturnType<typeof startServer>>;
const setPage = (url: string) =>
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(url);

beforeAll(async () => {
  // Browsers have WebSocket built in; happy-dom on Node 20 does not.
  (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  // The Next.js route adds the user's credentials server-side; anonymous auth stands in for it.
  srv = await startServer({ basePath: "/api/copilotkit", auth: { anonymous: true } });
  setPage(`${srv.httpUrl}/portfolio`);
});
afterAll(() => srv.close());
afterEach(cleanup);

describe("the seed's frontend code", () => {
  it("YourPage + ChatComponent: popup with labels; Enter sends; the answer shows as msg.content", async () => {
    render(
      <>
        <YourPage />
        <CopilotKit runtimeUrl="/api/copilotkit">
          <ChatComponent />
        </CopilotKit>
      </>,
    );
    fireEvent.click(screen.getByRole("button", { name: "Open assistant" }));
    expect(screen.getByRole("dialog", { name: "Portfolio Assistant" })).toBeTruthy();
    expect(screen.getByText("Hi! How can I help with your portfolio today?")).toBeTruthy();

    const input = screen.getByPlaceholderText("Ask me anything...") as HTMLInputElement;
    fireEvent.change(input, { target: { value: "What is the NAV?" } });
    // happy-dom drops charCode from the init; React reads keyCode 13 as Enter for keypress.
    fireEvent.keyPress(input, { key: "Enter", code: "Enter", keyCode: 13, charCode: 13 });
    await waitFor(() => expect(screen.getByText("You said: What is the NAV?")).toBeTruthy());
    expect(document.querySelector(".user")?.textContent).toBe("What is the NAV?");
    expect(document.querySelector(".assistant")?.textContent).toBe("You said: What is the NAV?");
    await waitFor(() => expect(screen.queryByText(/Agent is thinking/)).toBeNull());
  });

  it("PortfolioPage: the sidebar starts closed and opens with its greeting", async () => {
    render(<PortfolioPage />);
    expect(screen.getByRole("heading", { name: "Portfolio Holdings" })).toBeTruthy();
    const aside = document.querySelector("aside.bc-sidebar")!;
    expect(aside.getAttribute("data-open")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Open assistant" }));
    expect(aside.getAttribute("data-open")).toBe("true");
    expect(screen.getByText(/I can help you analyze holdings/)).toBeTruthy();
  });

  it("RobustCopilotProvider + ChatWithReconnect: a refused connection shows both banners", async () => {
    const locked = await startServer({ basePath: "/api/copilotkit" }); // API keys only: the browser has none
    setPage(`${locked.httpUrl}/portfolio`);
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      render(
        <RobustCopilotProvider>
          <ChatWithReconnect />
        </RobustCopilotProvider>,
      );
      await waitFor(() => expect(screen.getByText(/Connection error :/)).toBeTruthy());
      expect(screen.getByText(/Connection error :/).textContent).toMatch(
        /connect refused to connect \(HTTP 401/,
      );
      // The client gives up on a refusal, so the seed's "disconnected" branch shows.
      await waitFor(() => expect(screen.getByText("Connection lost . Reconnecting ...")).toBeTruthy());
      expect(errors.some((e) => (e as unknown[])[0] === "CopilotKit error:")).toBe(true);
    } finally {
      console.error = original;
      setPage(`${srv.httpUrl}/portfolio`);
      await locked.close();
    }
  });
});
