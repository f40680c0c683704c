/**
 * Server-side reads from the agent backend, with the user's credentials.
 * @module
 */
import "server-only";
import type { Message } from "@ag-ui/core";
import { redirect } from "next/navigation";
import { getAuthHeaders } from "./api/backend-auth";
import { buildAgentUrl } from "./config/agent-backend-url";
import type { AgentState, ExposureRow, FundInfo, Holding, NavPoint, NavSummary } from "./types";

/** The backend is down or refused us; pages show a friendly message instead of crashing. */
export class BackendUnavailableError extends Error {
  readonly code = "backend_unavailable";
}

async function get<T>(path: string): Promise<T> {
  const headers = await getAuthHeaders();
  if (!headers) redirect("/signin");
  let res: Response;
  try {
    res = await fetch(buildAgentUrl(path), {
      headers,
      cache: "no-store",
      signal: AbortSignal.timeout(8_000),
    });
  } catch (err) {
    throw new BackendUnavailableError(
      `The agent backend is not reachable at ${buildAgentUrl("")} (${(err as Error).message}). Start it with "npm start".`,
    );
  }
  if (res.status === 401) redirect("/signin?expired=1");
  if (!res.ok) throw new BackendUnavailableError(`The agent backend answered ${res.status} for ${path}.`);
  return (await res.json()) as T;
}

/** The holdings table's data. */
export function fetchPortfolio(): Promise<{ fund: FundInfo; navUsd: number; holdings: Holding[] }> {
  return get("/api/portfolio");
}

/** Fund, NAV and which model answers. */
export function fetchInfo(): Promise<{
  fund: FundInfo;
  nav: NavSummary;
  model: { label: string; offline: boolean };
  auth: "local" | "supabase";
}> {
  return get("/api/portfolio/info");
}

/** NAV history and exposures for the NAV page. */
export function fetchNav(): Promise<{
  summary: NavSummary;
  history: NavPoint[];
  exposures: Record<"assetClass" | "region" | "currency", ExposureRow[]>;
}> {
  return get("/api/portfolio/nav");
}

/** A saved conversation (messages and the agent's state), or null when it does not exist yet. */
export async function fetchThread(
  threadId: string,
): Promise<{ messages: Message[]; state: AgentState } | null> {
  const headers = await getAuthHeaders();
  if (!headers) return null;
  try {
    const res = await fetch(buildAgentUrl(`/copilotkit/threads/${encodeURIComponent(threadId)}`), {
      headers,
      cache: "no-store",
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) return null;
    const body = (await res.json()) as { messages?: Message[]; state?: AgentState };
    return { messages: body.messages ?? [], state: body.state ?? {} };
  } catch {
    // History is a convenience: without it the chat starts empty.
    return null;
  }
}
