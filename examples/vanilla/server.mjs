// Serves the vanilla page and a Backchannel runtime with a demo agent on one port.
// `node server.mjs`, then open http://localhost:3000 (PORT to change it).
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { CopilotKitSDK, createLogger } from "@backchannel/server";
import { build } from "esbuild";

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

/** Streams an answer word by word; "make it <colour>" calls the browser's setAccent tool first. */
function guide(wordDelayMs) {
  return {
    name: "guide",
    description: "A demo agent: streams answers and can recolour the page",
    async *run(input, { signal }) {
      const last = input.messages.at(-1);
      const messageId = `m-${input.runId}`;
      const colour = last?.role === "user" && /make it (\w+)/i.exec(String(last.content))?.[1];
      if (colour) {
        const toolCallId = `c-${input.runId}`;
        yield { type: "TOOL_CALL_START", toolCallId, toolCallName: "setAccent", parentMessageId: messageId };
        yield { type: "TOOL_CALL_ARGS", toolCallId, delta: JSON.stringify({ color: colour }) };
        yield { type: "TOOL_CALL_END", toolCallId };
        return; // the browser answers; the next run reads its result
      }
      const text =
        last?.role === "tool"
          ? `Done. ${last.content}`
          : `You asked: ${last?.content}. Here is a long answer, one word at a time, to show streaming: ${Array.from({ length: 30 }, (_, i) => `w${i + 1}`).join(" ")}.`;
      yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
      for (const word of text.split(/(?<= )/)) {
        await new Promise((resolve) => setTimeout(resolve, wordDelayMs));
        if (signal.aborted) return;
        yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: word };
      }
      yield { type: "TEXT_MESSAGE_END", messageId };
    },
  };
}

/** Starts the page and the runtime; resolves with the URL and a close function. */
export async function startVanilla({ port = 3000, wordDelayMs = 40, dataDir } = {}) {
  const sdk = new CopilotKitSDK({
    agents: [guide(wordDelayMs)],
    auth: { apiKeys: { demo: "vanilla-demo-key" } },
    logger: createLogger({ level: "warn" }),
    ...(dataDir ? { dataDir } : {}),
  });
  const [html, bundle] = await Promise.all([
    readFile(here("./index.html"), "utf8"),
    build({ entryPoints: [here("./app.js")], bundle: true, format: "esm", write: false, logLevel: "silent" }),
  ]);
  const js = bundle.outputFiles[0].text;
  const handle = sdk.nodeHandler();
  const server = createServer((req, res) =>
    handle(req, res, () => {
      const isScript = req.url === "/app.js";
      res.writeHead(200, { "content-type": isScript ? "text/javascript" : "text/html" });
      res.end(isScript ? js : html);
    }),
  );
  sdk.attach(server);
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    port: server.address().port,
    close: async () => {
      await sdk.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await startVanilla({ port: Number(process.env.PORT ?? 3000) });
  console.log(`open ${url}`);
}
