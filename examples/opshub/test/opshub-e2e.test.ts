/**
 * OpsHub end to end in real Chromium against the real backend and the real Next.js app
 * (`next build` + `next start`): sign in, ask "Run validations" in the sidebar, watch the
 * answer stream and the validation panel fill, see the breaking rows highlighted, stop a
 * long answer, restart the backend mid-answer (banner, then recovery), reload and find the
 * conversation. Screenshots go to test-results/opshub/.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../../test/helpers/chromium.js";

const here = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const shots = resolve(here, "../../test-results/opshub");

let dataDir: string;
let agentPort: number;
let webPort: number;
let agent: ChildProcess | undefined;
let web: ChildProcess | undefined;
let browser: Browser;
let page: Page;
const logs: string[] = [];

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  // The offline model, whatever keys the machine has: the test asserts its answers.
  for (const k of [
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_KEY",
    "BACKCHANNEL_MODEL_PROVIDER",
    "SUPABASE_URL",
    "NODE_OPTIONS",
    "NODE_ENV",
  ])
    delete e[k];
  return e;
}

function spawnLogged(name: string, args: string[], extra: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: here,
    env: env(extra),
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => logs.push(`[${name}] ${d}`));
  child.stderr?.on("data", (d) => logs.push(`[${name}] ${d}`));
  return child;
}

async function waitHttp(url: string, child: ChildProcess, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null)
      throw new Error(`${url}: the process exited (${child.exitCode})\n${logs.slice(-20).join("")}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (r.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${ms} ms\n${logs.slice(-20).join("")}`);
}

function startAgent(): ChildProcess {
  return spawnLogged("agent", ["dist/agent/main.js"], {
    PORT: String(agentPort),
    OPSHUB_DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    OPSHUB_TOKEN_DELAY_MS: "15",
    ALLOWED_ORIGINS: `http://127.0.0.1:${webPort},http://localhost:${webPort}`,
  });
}

function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    child.once("exit", () => res());
    child.kill(signal);
  });
}

async function shot(name: string): Promise<void> {
  await page.waitForTimeout(350); // let the sidebar's slide-in finish
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

const assistantTexts = () =>
  page.locator(".bc-msg-assistant:not(.bc-typing-row) .bc-bubble").allTextContents();

/** The assistant's text after the last user message (the answer in progress or just given). */
function currentAnswer(): Promise<string> {
  return page.evaluate(() => {
    const nodes = [...document.querySelectorAll<HTMLElement>(".bc-msg")];
    const lastUser = nodes.map((n) => n.classList.contains("bc-msg-user")).lastIndexOf(true);
    return nodes
      .slice(lastUser + 1)
      .filter((n) => n.classList.contains("bc-msg-assistant") && !n.classList.contains("bc-typing-row"))
      .map((n) => n.textContent ?? "")
      .join("\n");
  });
}

/** Waits until the answer to the last question contains `text`. */
async function answerContaining(text: string, timeout = 30_000): Promise<void> {
  await expect.poll(currentAnswer, { timeout }).toContain(text);
}

async function ask(text: string): Promise<void> {
  const input = page.getByRole("textbox", { name: "Ask about holdings, validations, NAV…" });
  await input.fill(text);
  await input.press("Enter");
}

/** Lengths of the last assistant message sampled while it streams. */
async function sampleStream(ms: number): Promise<number[]> {
  const lengths: number[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    lengths.push((await currentAnswer()).length);
    await page.waitForTimeout(120);
  }
  return lengths;
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  // Builds the packages, the agent and the web app when stale (what `npm start` does first).
  const build = spawnSync(process.execPath, ["scripts/start.mjs", "--build-only"], {
    cwd: here,
    env: env({}),
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`);
  dataDir = mkdtempSync(join(tmpdir(), "opshub-e2e-"));
  agentPort = await freePort();
  webPort = await freePort();
  agent = startAgent();
  await waitHttp(`http://127.0.0.1:${agentPort}/copilotkit/health`, agent);
  web = spawnLogged(
    "web",
    [require_("next/dist/bin/next"), "start", "-p", String(webPort), "-H", "127.0.0.1"],
    {
      AGENT_PORT: String(agentPort),
      OPSHUB_DATA_DIR: dataDir,
      NEXT_TELEMETRY_DISABLED: "1",
    },
  );
  await waitHttp(`http://127.0.0.1:${webPort}/signin`, web);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([stopProcess(web), stopProcess(agent)]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function require_(id: string): string {
  return createRequire(join(here, "package.json")).resolve(id);
}

// Generous per-test limits: CI runs this beside every other suite on two cores.
describe("OpsHub in Chromium", { timeout: 90_000 }, () => {
  it("signs in with one click and shows the holdings", async () => {
    await page.goto(`http://127.0.0.1:${webPort}/portfolio`);
    await page.waitForURL("**/signin");
    await shot("01-signin");
    await page.getByRole("button", { name: "Sign in as demo user" }).click();
    await page.waitForURL("**/portfolio");
    await expect.poll(() => page.getByTestId("row-count").textContent()).toContain("156 holdings");
    await expect
      .poll(() => page.getByTestId("connection-status").textContent(), { timeout: 15_000 })
      .toBe("Assistant live");
    expect(await page.getByTestId("model-badge").textContent()).toBe("Offline demo model");
    await shot("02-portfolio");
  });

  it("runs validations from the sidebar: streamed answer, live panel, highlighted rows", async () => {
    await page.getByRole("button", { name: "Open assistant" }).click();
    await ask("Run validations");
    await expect
      .poll(() => page.getByTestId("validation-panel").getAttribute("data-status"), { timeout: 15_000 })
      .toBe("running");
    await shot("03-validations-running");
    await expect
      .poll(() => page.getByTestId("validation-panel").getAttribute("data-status"), { timeout: 15_000 })
      .toBe("complete");
    const lengths = await sampleStream(1_500);
    await answerContaining("affected rows in the table");
    // Token by token: the answer grew across samples rather than arriving at once.
    expect(new Set(lengths.filter((n) => n > 0)).size).toBeGreaterThan(3);
    expect(await page.locator("tr[data-highlighted]").count()).toBe(17);
    expect(await page.locator('[data-testid^="check-"][data-status="fail"]').count()).toBe(6);
    expect(await page.locator('tr[data-ticker="MSFT"]').getAttribute("data-highlighted")).toBe("");
    await shot("04-validations-done");
  });

  it("has no WCAG 2.1 A/AA violations (axe-core) with the assistant open, an answer shown and rows highlighted", async () => {
    expect(await page.locator("tr[data-highlighted]").count()).toBe(17);
    await page.addScriptTag({ path: require_("axe-core/axe.min.js") });
    const violations = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<any> } }).axe;
      const result = await axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      });
      return result.violations.map((v: any) => ({
        id: v.id,
        impact: v.impact,
        nodes: v.nodes.slice(0, 5).map((n: any) => `${n.target.join(" ")}: ${n.failureSummary}`),
      }));
    });
    expect(violations).toEqual([]);
  });

  it("answers a repeated read-only question from the response cache and says so", async () => {
    await ask("Top 10 holdings");
    await answerContaining("The largest");
    await expect.poll(() => page.getByRole("button", { name: "Stop" }).count(), { timeout: 20_000 }).toBe(0);
    expect(await page.locator(".bc-cache-tag").count()).toBe(0);
    const first = await currentAnswer();
    await ask("Top 10 holdings");
    await expect.poll(() => page.locator(".bc-cache-tag").count(), { timeout: 20_000 }).toBe(1);
    expect(await page.locator(".bc-cache-tag").textContent()).toBe("From cache");
    expect(await currentAnswer()).toBe(first);
    await page.locator(".bc-cache-tag").scrollIntoViewIfNeeded();
    await shot("05a-from-cache");
  });

  it("filters the table, opens a position and explains the selected row through the page's tools and context", async () => {
    await ask("Show energy holdings");
    await answerContaining("filtered the table");
    await expect.poll(() => page.getByTestId("row-count").textContent()).toMatch(/^\d+ of 156 holdings/);
    const sectors = await page.locator("tbody tr td[data-col=sector]").allTextContents();
    expect(sectors.length).toBeGreaterThan(3);
    expect(new Set(sectors)).toEqual(new Set(["Energy"]));

    await ask("Tell me about NVDA");
    await answerContaining("opened its detail panel");
    await expect.poll(() => page.getByTestId("position-drawer").textContent()).toContain("NVIDIA Corp");

    // The drawer's button asks about the selected row: the answer comes from the page's readable context.
    await page.getByRole("button", { name: "Ask the assistant about NVDA" }).click();
    await answerContaining("Reconciled with State Street");
    expect(await currentAnswer()).toContain("of NAV.");
    await shot("05-position");
    await ask("Clear filters");
    await answerContaining("every holding again");
    await page.getByRole("button", { name: "Close details" }).click();
  });

  it("stops a long answer", async () => {
    await ask("Run the validations again and explain everything");
    await answerContaining("I ran");
    await page.getByRole("button", { name: "Stop" }).click();
    const stoppedAt = (await currentAnswer()).length;
    await page.waitForTimeout(1_000);
    const after = (await currentAnswer()).length;
    expect(after).toBeLessThanOrEqual(stoppedAt + 40);
    expect(after).toBeLessThan(1_500);
    await expect.poll(() => page.getByRole("button", { name: "Stop" }).count()).toBe(0);
    await shot("06-stopped");
  });

  it("survives a backend restart mid-answer: banner, reconnect, and the next question works", async () => {
    await ask("What are the top 20 holdings?");
    await answerContaining("The largest");
    await stopProcess(agent, "SIGKILL");
    await expect.poll(() => page.getByTestId("connection-banner").count(), { timeout: 15_000 }).toBe(1);
    await shot("07-backend-down");
    agent = startAgent();
    await waitHttp(`http://127.0.0.1:${agentPort}/copilotkit/health`, agent);
    await expect
      .poll(() => page.getByTestId("connection-status").textContent(), { timeout: 30_000 })
      .toBe("Assistant live");
    expect(await page.getByTestId("connection-banner").count()).toBe(0);
    await ask("What's the NAV?");
    await answerContaining("per share");
    // The run is saved when it ends: wait for that before the reload test.
    await expect.poll(() => page.getByRole("button", { name: "Stop" }).count(), { timeout: 20_000 }).toBe(0);
    await shot("08-recovered");
  });

  it("finds the conversation and the validation results again after a reload", async () => {
    const before = await page.locator(".bc-msg-user").allTextContents();
    await page.reload();
    await expect.poll(() => page.getByTestId("row-count").textContent()).toContain("156 holdings");
    await page.getByRole("button", { name: "Open assistant" }).click();
    await expect
      .poll(() => page.locator(".bc-msg-user").allTextContents(), { timeout: 15_000 })
      .toEqual(expect.arrayContaining(["Run validations", "What's the NAV?"]));
    expect(before).toContain("Run validations");
    expect((await assistantTexts()).join("\n")).toContain("Custodian breaks");
    expect(await page.getByTestId("validation-panel").getAttribute("data-status")).toBe("complete");
    await shot("09-after-reload");
  });

  it("continues the same conversation in the NAV page's popup", async () => {
    await page.getByRole("link", { name: "NAV Overview" }).click();
    await page.waitForURL("**/nav");
    await expect.poll(() => page.getByText("NAV per share, last 12 months").count()).toBe(1);
    await page.getByRole("button", { name: "Open assistant" }).click();
    await expect
      .poll(() => page.locator(".bc-msg-user").allTextContents(), { timeout: 15_000 })
      .toEqual(expect.arrayContaining(["Run validations"]));
    const input = page.getByRole("textbox").last();
    await input.fill("Exposure by region");
    await input.press("Enter");
    await answerContaining("Exposure by region");
    await expect.poll(currentAnswer, { timeout: 20_000 }).toContain("is the largest");
    await shot("10-nav-popup");
  });
});
