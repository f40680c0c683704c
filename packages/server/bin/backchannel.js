#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run on `npm install`).
import { main } from "../dist/cli.js";

main(process.argv.slice(2)).then((code) => process.exit(code));
