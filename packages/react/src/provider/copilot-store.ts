/**
 * The provider's state is a `CopilotSession` from `@backchannel/client`; these names are kept
 * for code written against earlier versions of this package.
 * @module
 */
import { CopilotSession } from "@backchannel/client";

export type {
  RegisteredTool,
  SessionSnapshot as StoreSnapshot,
  SessionThreadOptions as StoreThreadOptions,
} from "@backchannel/client";
export { CopilotSession as CopilotStore, EMPTY_THREAD_SNAPSHOT } from "@backchannel/client";

/** Creates an idle session (`<CopilotKit>` does this for you); same as `createCopilotSession()`. */
export function createCopilotStore(): CopilotSession {
  return new CopilotSession();
}
