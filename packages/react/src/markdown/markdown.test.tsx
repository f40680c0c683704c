// @vitest-environment happy-dom
import { cleanup, render } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { parametersToJsonSchema } from "../hooks/action-parameters.js";
import { Markdown } from "./markdown.js";
import { safeUrl } from "./safe-url.js";
import { splitBlocks } from "./split-blocks.js";

afterEach(cleanup);

describe("splitBlocks", () => {
  it("splits paragraphs at blank lines and keeps fenced code (with blank lines) whole", () => {
    const blocks = splitBlocks("Intro\n\n```js\na\n\nb\n```\n\nOutro");
    expect(blocks.map((b) => b.text)).toEqual(["Intro", "```js\na\n\nb\n```", "Outro"]);
    expect(blocks.every((b) => b.openFence === undefined)).toBe(true);
  });

  it("keeps loose lists and indented continuations in one block", () => {
    const md = "- one\n\n- two\n\n  more of two\n\nAfter";
    expect(splitBlocks(md).map((b) => b.text)).toEqual(["- one\n\n- two\n\n  more of two", "After"]);
    expect(splitBlocks("1. a\n\n2. b").map((b) => b.text)).toEqual(["1. a\n\n2. b"]);
  });

  it("reports a code fence still open at the end (a streaming code block)", () => {
    const blocks = splitBlocks("Look:\n\n~~~~py\nprint(1)\n```\nstill code");
    expect(blocks.at(-1)).toEqual({ text: "~~~~py\nprint(1)\n```\nstill code", openFence: "~~~~" });
  });
});

describe("safeUrl", () => {
  it("allows web, mail and relative links", () => {
    for (const url of [
      "https://a.example/x?y=1",
      "http://a.example",
      "mailto:x@y.z",
      "/docs",
      "#part",
      "docs/a",
    ]) {
      expect(safeUrl(url)).toBe(url);
    }
  });

  it("refuses script, data and file URLs, however they are disguised", () => {
    for (const url of [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      "java\tscript:alert(1)",
      " javascript:alert(1)",
      "\u0001javascript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:msgbox",
      "file:///etc/passwd",
      "",
    ]) {
      expect(safeUrl(url)).toBeNull();
    }
  });
});

describe("<Markdown>", () => {
  it("renders a streaming code block as code before its closing fence arrives", () => {
    const { container } = render(<Markdown>{"Here:\n\n```sql\nSELECT 1"}</Markdown>);
    expect(container.querySelector("pre code")?.textContent).toBe("SELECT 1");
    expect(container.textContent).not.toContain("```");
  });

  it("drops heading ids (no clobbering of the page's ids) and shows images as links by default", () => {
    const { container, rerender } = render(
      <Markdown>{"# location\n\n![chart](https://img.example/c.png)"}</Markdown>,
    );
    expect(container.querySelector("h1")?.id).toBe("");
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("a")?.getAttribute("href")).toBe("https://img.example/c.png");
    rerender(<Markdown images>{"![chart](https://img.example/c.png) ![x](javascript:alert(1))"}</Markdown>);
    const imgs = container.querySelectorAll("img");
    expect(imgs).toHaveLength(1);
    expect(imgs[0]!.getAttribute("referrerpolicy")).toBe("no-referrer");
  });

  it('namespaces footnote ids per message (security finding 12: `[^root]` rendered <div id="root">)', () => {
    const md = "A claim[^root].\n\n[^root]: the source";
    const { container } = render(
      <>
        <div id="root">host page</div>
        <Markdown>{md}</Markdown>
        <Markdown>{md}</Markdown>
      </>,
    );
    const ids = [...container.querySelectorAll("[id]")].map((el) => el.id);
    expect(ids.filter((id) => id === "root")).toHaveLength(1);
    const notes = [...container.querySelectorAll("footer [id]")].map((el) => el.id);
    expect(notes).toHaveLength(2);
    expect(notes[0]).not.toBe(notes[1]);
    for (const id of notes) expect(id).toMatch(/^bc-fn[\w-]+-root$/);
    const links = [...container.querySelectorAll("sup")].map((el) => el.parentElement?.getAttribute("href"));
    expect(links).toEqual(notes.map((id) => `#${id}`));
  });

  it("re-parses only the growing block: earlier blocks keep their DOM nodes", () => {
    const { container, rerender } = render(<Markdown>{"First paragraph.\n\nSecond"}</Markdown>);
    const first = container.querySelector("p");
    rerender(<Markdown>{"First paragraph.\n\nSecond, longer now"}</Markdown>);
    expect(container.querySelector("p")).toBe(first);
    expect(container.querySelectorAll("p")[1]?.textContent).toBe("Second, longer now");
  });
});

describe("parametersToJsonSchema", () => {
  it("turns CopilotKit parameter lists into JSON Schema", () => {
    expect(
      parametersToJsonSchema([
        { name: "ticker", type: "string", description: "Symbol" },
        { name: "qty", type: "number", required: false },
        { name: "side", enum: ["buy", "sell"] },
        { name: "legs", type: "object[]", attributes: [{ name: "fund" }] },
      ]),
    ).toEqual({
      type: "object",
      properties: {
        ticker: { type: "string", description: "Symbol" },
        qty: { type: "number" },
        side: { type: "string", enum: ["buy", "sell"] },
        legs: {
          type: "array",
          items: { type: "object", properties: { fund: { type: "string" } }, required: ["fund"] },
        },
      },
      required: ["ticker", "side", "legs"],
    });
  });

  it("passes a JSON Schema through", () => {
    const schema = { type: "object", properties: { a: { type: "integer" } } };
    expect(parametersToJsonSchema(schema)).toBe(schema);
  });
});
