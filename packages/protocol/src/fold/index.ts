/**
 * `@backchannel/protocol/fold`: how AG-UI events become messages and state. One fold, used by
 * the client live and by the server to store each run, so both show the same conversation.
 * Rules: docs/protocol.md § Folding events.
 * @module
 */

export { FoldError, type FoldResult, foldEvent } from "./fold-event.js";
export {
  appendMessage,
  beginRun,
  createFoldState,
  type FoldEntry,
  type FoldInit,
  type FoldSnapshot,
  type FoldState,
  type FoldToolCall,
  foldChanged,
  foldSnapshot,
  type OpenChunkStream,
  replaceMessages,
  setFoldState,
} from "./fold-state.js";
export { applyPatchImmutable, type PatchOutcome } from "./json-patch.js";
