import type { BaseEvent, RunAgentInput } from "@ag-ui/core";
import type { Principal } from "../principal.js";
import { ResumeBuffer, type ResumeBufferLimits, type SequencedEvent } from "./resume-buffer.js";
import { eventFrame, framePrefix, type IdJsonCache, RunEvent } from "./run-event.js";

/** Receives a run's events, in seq order, exactly once each. */
export interface RunSubscriber {
  deliver(item: SequencedEvent): void;
}

export type RunStatus = "running" | "finished" | "error" | "cancelled";

const TERMINAL = new Set(["RUN_FINISHED", "RUN_ERROR"]);

/**
 * One execution of an agent: numbers its events, buffers them for resume, fans them out
 * to subscribers, and guarantees the stream ends with exactly one RUN_FINISHED or RUN_ERROR
 * with every text message and tool call it opened closed first.
 */
export class Run {
  readonly id: string;
  readonly threadId: string;
  readonly createdAt = Date.now();
  readonly abort = new AbortController();
  readonly buffer: ResumeBuffer;
  status: RunStatus = "running";
  endedAt: number | undefined;
  lastSeq = 0;
  /** Total serialized bytes emitted so far. */
  totalBytes = 0;
  /** Resolves when the run has ended (its terminal event was emitted). */
  readonly done: Promise<void>;

  private resolveDone!: () => void;
  private readonly subscribers = new Set<RunSubscriber>();
  private readonly openMessages = new Set<string>();
  private readonly openToolCalls = new Set<string>();
  private readonly framePrefix: string;
  private readonly idJson: IdJsonCache = { id: "", json: '""' };

  private currentInput: RunAgentInput;

  constructor(
    input: RunAgentInput,
    readonly agentName: string,
    readonly principal: Principal,
    limits: ResumeBufferLimits,
  ) {
    this.currentInput = input;
    this.id = input.runId;
    this.threadId = input.threadId;
    this.buffer = new ResumeBuffer(limits, this.id);
    this.framePrefix = framePrefix(this.id);
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /**
   * What the run was started with. Once it has ended (and persistence has folded it, in the
   * same turn) only its ids are kept: a finished run stays in memory for the resume window,
   * and resume needs its events, not its input (up to `maxFrameBytes` of history and state).
   */
  get input(): RunAgentInput {
    return this.currentInput;
  }

  get ended(): boolean {
    return this.status !== "running";
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Numbers, buffers and delivers one (already validated) event. Ignored once the run ended. */
  emit(event: BaseEvent): SequencedEvent | undefined {
    if (this.ended) return undefined;
    this.track(event);
    const seq = ++this.lastSeq;
    const frame = eventFrame(this.framePrefix, seq, event, this.idJson);
    this.totalBytes += frame.length;
    const item = new RunEvent(this.framePrefix, this.id, seq, event, Date.now(), this.totalBytes, frame);
    this.buffer.push(item);
    if (TERMINAL.has(event.type)) this.markEnded(event);
    for (const sub of this.subscribers) sub.deliver(item);
    return item;
  }

  /**
   * Whether events after `after` can still be replayed from the buffer.
   */
  canReplayFrom(after: number): boolean {
    if (after >= this.lastSeq) return true;
    const first = this.buffer.firstSeq;
    return first !== undefined && first <= after + 1;
  }

  /**
   * Delivers live events to `sub` from now on. Subscribers that need a backlog read it from
   * `buffer` themselves, at their socket's pace; since `deliver` carries the seq, they can
   * tell live events from ones they still have to catch up on.
   */
  subscribe(sub: RunSubscriber): void {
    if (!this.ended) this.subscribers.add(sub);
  }

  unsubscribe(sub: RunSubscriber): void {
    this.subscribers.delete(sub);
  }

  /** Ends the run as cancelled: aborts the agent and emits RUN_FINISHED (outcome cancelled). */
  cancel(): void {
    if (this.ended) return;
    this.abort.abort(new Error("Run cancelled"));
    this.closeOpen();
    this.emit({
      type: "RUN_FINISHED",
      threadId: this.threadId,
      runId: this.id,
      outcome: { type: "cancelled" },
    } as BaseEvent);
  }

  /** Ends the run with RUN_ERROR, closing whatever the agent left open. */
  fail(message: string, code: string): void {
    if (this.ended) return;
    this.abort.abort(new Error(message));
    this.closeOpen();
    this.emit({ type: "RUN_ERROR", message, code } as BaseEvent);
  }

  /** Ends the run with RUN_FINISHED unless the agent already ended it. */
  finish(): void {
    if (this.ended) return;
    this.closeOpen();
    this.emit({ type: "RUN_FINISHED", threadId: this.threadId, runId: this.id } as BaseEvent);
  }

  private releaseInput(): void {
    const { threadId, runId } = this.currentInput;
    this.currentInput = {
      threadId,
      runId,
      messages: [],
      tools: [],
      context: [],
      state: undefined,
      forwardedProps: undefined,
    };
  }

  private closeOpen(): void {
    for (const toolCallId of [...this.openToolCalls]) {
      this.emit({ type: "TOOL_CALL_END", toolCallId } as BaseEvent);
    }
    for (const messageId of [...this.openMessages]) {
      this.emit({ type: "TEXT_MESSAGE_END", messageId } as BaseEvent);
    }
  }

  private track(event: BaseEvent): void {
    const e = event as BaseEvent & { messageId?: string; toolCallId?: string };
    switch (event.type) {
      case "TEXT_MESSAGE_START":
        this.openMessages.add(e.messageId!);
        break;
      case "TEXT_MESSAGE_END":
        this.openMessages.delete(e.messageId!);
        break;
      case "TOOL_CALL_START":
        this.openToolCalls.add(e.toolCallId!);
        break;
      case "TOOL_CALL_END":
        this.openToolCalls.delete(e.toolCallId!);
        break;
    }
  }

  private markEnded(event: BaseEvent): void {
    const outcome = (event as { outcome?: { type?: string } }).outcome?.type;
    this.status = event.type === "RUN_ERROR" ? "error" : outcome === "cancelled" ? "cancelled" : "finished";
    this.endedAt = Date.now();
    // Deliver the terminal event (caller does) before dropping subscribers.
    queueMicrotask(() => this.subscribers.clear());
    this.resolveDone();
    // After this turn's readers of the whole run (persistence folds it on `done`).
    setImmediate(() => {
      this.buffer.compact();
      this.releaseInput();
    });
  }
}

export type { SequencedEvent };
