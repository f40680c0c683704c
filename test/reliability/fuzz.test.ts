/**
 * Protocol fuzzing (fast-check): every inbound frame type, well-formed, mutated and garbage,
 * before and after authentication, plus the HTTP endpoints. The server must answer each as
 * docs/protocol.md says (close 1007/1008/1009, `error` with a documented code, or the normal
 * answer), never crash, never hang, never answer `internal`, and a witness session on another
 * socket must stream on undisturbed throughout.
 */
import { CLIENT_FRAME_TYPES, ErrorCode } from "@backchannel/protocol";
import { parseClientFrame } from "@backchannel/protocol/validate";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { testAgents } from "../helpers/agents.js";
import { API_KEY, AUTH, type Harness, startHarness } from "./harness.js";
import { startWitness, type Witness } from "./witness.js";

const MAX_FRAME = 8 * 1024;
const DOCUMENTED_ERRORS = new Set<string>(Object.values(ErrorCode).filter((c) => c !== "internal"));
// docs/http.md's status table (5xx excluded on purpose: a fuzzed request must never hit one). 410 is
// `resume_unavailable`, which an unknown run such as `/runs/x/events` answers like an expired one.
const DOCUMENTED_HTTP = new Set([200, 204, 400, 401, 403, 404, 405, 406, 408, 409, 410, 413, 415, 429]);

let h: Harness;
let witness: Witness;
beforeAll(async () => {
  h = await startHarness(testAgents as never, {
    store: undefined,
    dataDir: ":memory:",
    limits: {
      maxFrameBytes: MAX_FRAME,
      runsPerSecond: 100_000,
      runBurst: 100_000,
      maxConnectionsPerPrincipal: 500,
    },
  });
  witness = await startWitness(h.srv.wsUrl);
});
afterAll(async () => {
  await witness.stop();
  await h.close();
});

// ------------------------------------------------------------------ arbitraries

const text = fc.string({ maxLength: 40 });
const id = fc.oneof(fc.uuid(), text, fc.constant(""), fc.string({ minLength: 250, maxLength: 300 }));
const json = fc.jsonValue({ maxDepth: 3 });

const runInput = fc.record({
  threadId: id,
  runId: id,
  messages: fc.oneof(
    fc.constant([{ id: "m1", role: "user", content: "hi" }]),
    fc.array(
      fc.record({ id: text, role: fc.constantFrom("user", "assistant", "system", "nope"), content: text }),
    ),
    json,
  ),
  tools: fc.oneof(fc.constant([]), json),
  context: fc.oneof(fc.constant([]), json),
  state: fc.oneof(fc.constant({}), json),
  forwardedProps: fc.oneof(fc.constant({}), fc.record({ count: fc.integer({ min: 0, max: 5 }) })),
});

/** Frames of every known type, with valid or arbitrary field values. */
const knownFrame = fc.oneof(
  fc.record({ type: fc.constant("auth"), token: fc.oneof(text, fc.constant(API_KEY), json) }),
  fc.record({
    type: fc.constant("run"),
    id: fc.oneof(id, json),
    agent: fc.oneof(fc.constantFrom("streamer", "whoami", "thrower", "invalid"), text, json),
    input: fc.oneof(runInput, json),
  }),
  fc.record(
    {
      type: fc.constant("resume"),
      runId: fc.oneof(id, json),
      after: fc.oneof(fc.nat(), fc.integer(), fc.double(), json),
    },
    { requiredKeys: ["type"] },
  ),
  fc.record(
    { type: fc.constant("cancel"), runId: fc.oneof(id, json), id: fc.oneof(id, json) },
    { requiredKeys: ["type"] },
  ),
  fc.record(
    { type: fc.constantFrom("ping", "pong"), ts: fc.oneof(fc.double(), fc.integer(), json) },
    { requiredKeys: ["type"] },
  ),
  // Every type the protocol package defines (including ones added after this suite was
  // written), with any subset of the fields frames carry, valid-looking or not.
  fc.record(
    {
      type: fc.constantFrom(...CLIENT_FRAME_TYPES),
      id: fc.oneof(id, json),
      runId: fc.oneof(id, json),
      threadId: fc.oneof(id, json),
      after: fc.oneof(fc.nat(), json),
      token: fc.oneof(text, json),
      agent: fc.oneof(fc.constant("streamer"), json),
      input: fc.oneof(runInput, json),
      ts: fc.oneof(fc.double(), json),
    },
    { requiredKeys: ["type"] },
  ),
);

/** What a client may put on the wire: known frames (perhaps with extra fields), any JSON, any text, oversized, binary. */
const payload = fc.oneof(
  { weight: 6, arbitrary: knownFrame.map((f) => JSON.stringify(f)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(knownFrame, fc.dictionary(text, json, { maxKeys: 3 }))
      .map(([f, extra]) => JSON.stringify({ ...extra, ...f })),
  },
  { weight: 2, arbitrary: json.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.record({ type: fc.oneof(text, json) }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc
      .nat({ max: 1000 })
      .map((n) => JSON.stringify({ type: "ping", pad: "x".repeat(MAX_FRAME + n) })),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
);

// ------------------------------------------------------------------ driving one socket

interface Outcome {
  closed?: { code: number; reason: string };
  errors: { code: string; id?: string }[];
  frames: any[];
}

/** Opens a socket, sends `data` then a marker ping, and reports what came back (pong = still serving). */
function exchange(data: string | Buffer, authenticated: boolean): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(h.srv.wsUrl, ["backchannel.v1"], authenticated ? AUTH : {});
    const out: Outcome = { errors: [], frames: [] };
    const marker = Math.random();
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no answer within 5 s to ${String(data).slice(0, 200)}`));
    }, 5_000);
    const done = () => {
      clearTimeout(timer);
      ws.terminate();
      resolve(out);
    };
    const send = () => {
      ws.send(data, { binary: Buffer.isBuffer(data) });
      ws.send(JSON.stringify({ type: "ping", ts: marker }));
    };
    ws.on("error", () => {});
    ws.on("open", () => {
      if (!authenticated) send();
    });
    ws.on("message", (raw) => {
      const f = JSON.parse(String(raw));
      out.frames.push(f);
      if (f.type === "ready") return send();
      if (f.type === "error") out.errors.push({ code: f.code, id: f.id });
      if (f.type === "pong" && f.ts === marker) done();
    });
    ws.on("close", (code, reason) => {
      out.closed = { code, reason: String(reason) };
      done();
    });
  });
}

/** What docs/protocol.md says a frame gets, from the protocol package's own parser. */
function classify(
  data: string | Buffer,
): "binary" | "too_big" | "fatal" | "bad_request" | { type: string; frame: any } {
  if (Buffer.isBuffer(data)) return "binary";
  if (Buffer.byteLength(data) > MAX_FRAME) return "too_big";
  const parsed = parseClientFrame(data);
  if (!parsed.ok) return parsed.fatal ? "fatal" : "bad_request";
  return { type: parsed.frame.type, frame: parsed.frame };
}

function checkErrors(out: Outcome): void {
  for (const e of out.errors)
    expect(DOCUMENTED_ERRORS, `undocumented error code ${e.code}`).toContain(e.code);
}

describe("protocol fuzzing", () => {
  it("authenticated sockets: every frame gets its documented answer", async () => {
    await fc.assert(
      fc.asyncProperty(payload, async (data) => {
        const kind = classify(data);
        const out = await exchange(data, true);
        checkErrors(out);
        if (kind === "binary" || kind === "fatal") expect(out.closed?.code).toBe(1007);
        else if (kind === "too_big") expect(out.closed?.code).toBe(1009);
        else if (kind === "bad_request") {
          expect(out.closed).toBeUndefined();
          expect(out.errors.map((e) => e.code)).toContain("bad_request");
        } else {
          expect(out.closed).toBeUndefined();
          if (kind.type === "ping" || kind.type === "pong") expect(out.errors).toEqual([]);
          if (kind.type === "resume") expect(out.errors.map((e) => e.code)).toEqual(["resume_unavailable"]);
          if (kind.type === "cancel") expect(out.errors.map((e) => e.code)).toEqual(["unknown_run"]);
          if (kind.type === "auth") {
            const refreshed = kind.frame.token === API_KEY;
            expect(out.frames.some((f) => f.type === "auth_ok")).toBe(refreshed);
            if (!refreshed) expect(out.errors.map((e) => e.code)).toEqual(["auth_failed"]);
          }
        }
      }),
      { numRuns: 600 },
    );
  });

  it("sockets before authentication: only auth, ping and pong are heard", async () => {
    await fc.assert(
      fc.asyncProperty(payload, async (data) => {
        const kind = classify(data);
        const out = await exchange(data, false);
        checkErrors(out);
        if (kind === "binary" || kind === "fatal") expect(out.closed?.code).toBe(1007);
        else if (kind === "too_big") expect(out.closed?.code).toBe(1009);
        else if (kind === "bad_request") expect(out.errors.map((e) => e.code)).toContain("bad_request");
        else if (kind.type === "ping" || kind.type === "pong") expect(out.closed).toBeUndefined();
        else if (kind.type === "auth" && kind.frame.token === API_KEY) {
          expect(out.frames.some((f) => f.type === "ready")).toBe(true);
          expect(out.closed).toBeUndefined();
        } else expect(out.closed?.code).toBe(1008);
        // Nothing but ready, pong and error may reach a client that never authenticated.
        for (const f of out.frames) expect(["ready", "pong", "error"]).toContain(f.type);
      }),
      { numRuns: 300 },
    );
  });

  it("HTTP endpoints: documented statuses and error bodies, never a 5xx or a hang", async () => {
    const base = `${h.srv.httpUrl}/copilotkit`;
    const path = fc.oneof(
      fc.constantFrom(
        "/health",
        "/agents/streamer/run",
        "/connect",
        "/threads",
        "/runs/x/events",
        "/runs/x/cancel",
      ),
      fc
        .tuple(
          fc.constantFrom("agents", "runs", "threads"),
          text,
          fc.constantFrom("", "/run", "/events", "/cancel", "/messages"),
        )
        .map(([a, b, c]) => `/${a}/${encodeURIComponent(b)}${c}`),
      text.map((t) => `/${t}`),
    );
    const request = fc.record({
      method: fc.constantFrom("GET", "POST", "DELETE", "PUT", "OPTIONS", "PATCH"),
      path,
      auth: fc.constantFrom("key", "none", "bad", "malformed"),
      contentType: fc.constantFrom("application/json", "text/plain", undefined),
      accept: fc.constantFrom("text/event-stream", "application/json", "*/*", undefined),
      origin: fc.constantFrom(undefined, "https://evil.example"),
      body: fc.oneof(
        runInput.map((i) => JSON.stringify(i)),
        json.map((v) => JSON.stringify(v)),
        fc.string({ maxLength: 100 }),
        fc.constant(undefined),
      ),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.auth === "key") headers.authorization = `Bearer ${API_KEY}`;
        if (r.auth === "bad") headers.authorization = "Bearer not-a-key";
        if (r.auth === "malformed") headers.authorization = "Basic Zm9vOmJhcg==";
        if (r.contentType) headers["content-type"] = r.contentType;
        if (r.accept) headers.accept = r.accept;
        if (r.origin) headers.origin = r.origin;
        const hasBody = r.body !== undefined && r.method !== "GET";
        const res = await fetch(`${base}${r.path}`, {
          method: r.method,
          headers,
          ...(hasBody ? { body: r.body } : {}),
          signal: AbortSignal.timeout(5_000),
        });
        const body = await res.text();
        expect(DOCUMENTED_HTTP, `${r.method} ${r.path} → ${res.status} ${body.slice(0, 200)}`).toContain(
          res.status,
        );
        // A refused CORS preflight is a bare 403: browsers read no body from a preflight.
        const preflight = r.method === "OPTIONS" && body === "" && (res.status === 204 || res.status === 403);
        if (res.status >= 400 && !preflight) {
          const parsed = JSON.parse(body);
          expect(typeof parsed.error.code).toBe("string");
          expect(typeof parsed.error.message).toBe("string");
          expect(parsed.error.code).not.toBe("internal");
        }
      }),
      { numRuns: 400 },
    );
  });

  it("the witness session streamed on undisturbed, and the server still answers", async () => {
    await witness.stop();
    expect(witness.problems).toEqual([]);
    expect(witness.completed).toBeGreaterThan(0);
    const health = await fetch(`${h.srv.httpUrl}/copilotkit/health`, { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);
  });
});
