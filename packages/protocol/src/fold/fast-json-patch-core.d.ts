// Types for the ESM core of fast-json-patch, imported directly so bundlers can drop the rest
// of the package (its index re-exports everything through a non-shakeable default object).
declare module "fast-json-patch/module/core.mjs" {
  export { applyOperation, JsonPatchError } from "fast-json-patch";
}
