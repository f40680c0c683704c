/**
 * `useCoAgent`: an agent's shared state, in sync both ways.
 * @module
 */
import type { State } from "@ag-ui/core";
import type { AgentThread, CopilotSession as CopilotStore, RunResult } from "@backchannel/client";
import { useCallback, useEffect, useMemo } from "react";
import { useCopilotStore } from "../provider/context.js";
import { useAgentThread, useThreadSnapshot } from "./use-agent-thread.js";

/** What `useCoAgent` takes. */
export interface UseCoAgentOptions<S extends State> {
  /** The agent's name. The chat agent's name shares the chat's thread and state. */
  name: string;
  /** State before the agent sends any (sent as `input.state` of the first run). */
  initialState?: S;
}

/** What `useCoAgent` returns. */
export interface UseCoAgentResult<S extends State> {
  name: string;
  /** The agent's state: STATE_SNAPSHOT/STATE_DELTA from the agent, `setState` from here. */
  state: S;
  /**
   * Replaces the state locally (a function gets the current state); the agent receives it with
   * the next run. Updates that arrive during a run apply on top of it.
   */
  setState(next: S | ((prev: S) => S)): void;
  /** A run of this agent is in progress. */
  running: boolean;
  /**
   * Runs the agent with the current state and transcript and no new message (e.g. after
   * `setState`). Queued behind a run in progress, like `sendMessage`.
   */
  run(): Promise<RunResult>;
  /** Cancels the run in progress. */
  stop(): void;
  /** The thread's id ("" until connected). */
  threadId: string;
}

function waitForThread(store: CopilotStore, agent: string): Promise<AgentThread> {
  return new Promise((resolve) => {
    const off = store.subscribe(() => {
      const thread = store.getThread(agent);
      if (!thread) return;
      off();
      resolve(thread);
    });
  });
}

/**
 * The shared state of agent `name`.
 * @example
 * const { state, setState, running } = useCoAgent({ name: "portfolio", initialState: { filter: "all" } });
 */
export function useCoAgent<S extends State = State>(options: UseCoAgentOptions<S>): UseCoAgentResult<S> {
  const store = useCopilotStore("useCoAgent()");
  const { name } = options;
  const initial = options.initialState;
  // biome-ignore lint/correctness/useExhaustiveDependencies: initialState only seeds a new thread
  useEffect(() => store.retainThread(name, initial), [store, name]);
  const thread = useAgentThread(name, "useCoAgent()");
  const snap = useThreadSnapshot(thread);
  const hasState = thread !== null;
  const state = (hasState ? snap.state : (initial ?? snap.state)) as S;

  const setState = useCallback(
    (next: S | ((prev: S) => S)) => {
      const target = store.getThread(name);
      if (!target) {
        throw new Error(`useCoAgent("${name}"): setState before the connection is up; wait for it.`);
      }
      const prev = target.getSnapshot().state as S;
      target.setState(typeof next === "function" ? (next as (p: S) => S)(prev) : next);
    },
    [store, name],
  );
  const stop = useCallback(() => store.getThread(name)?.stop(), [store, name]);
  const run = useCallback(async () => {
    // Before the connection is up the thread does not exist yet; the run starts once it does.
    const target = store.getThread(name) ?? (await waitForThread(store, name));
    return target.runAgent();
  }, [store, name]);

  return useMemo(
    () => ({ name, state, setState, running: snap.isRunning, run, stop, threadId: snap.threadId }),
    [name, state, setState, snap.isRunning, run, stop, snap.threadId],
  );
}
