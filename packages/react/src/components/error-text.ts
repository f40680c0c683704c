/**
 * Errors in plain words for the people using the chat; developers get the full error through
 * `onError`.
 * @module
 */
import type { BackchannelError } from "@backchannel/client";

/** A sentence for the end user saying what went wrong and what to do. */
export function describeError(error: BackchannelError | Error): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case "auth_failed":
    case "forbidden":
      return "Your session has expired or you're not signed in. Sign in again, then retry.";
    case "connection_failed":
      return "Can't reach the assistant right now. Check your connection, then retry.";
    case "rate_limited":
    case "too_many_runs":
      return "Too many requests right now. Wait a moment, then retry.";
    case "frame_too_large":
      return "This conversation is too long to send. Start a new chat.";
    case "run_failed":
      return "The assistant ran into a problem while answering. Retry, or rephrase your question.";
    case "tool_failed":
      return "An action in this app failed while the assistant was using it. Retry, or try another way.";
    case "unknown_agent":
      return "This assistant isn't available on the server. Contact the site's support.";
    case "resume_unavailable":
      return "Part of the answer was lost while reconnecting. Retry to get it again.";
    default:
      return "Something went wrong. Retry, or start a new chat if it keeps happening.";
  }
}
