// Entry of a 名寄せ worker thread (pipeline/link-pool.ts): the worker is
// TypeScript, loaded through tsx as bin/mimamori.js loads the CLI.
import { register } from "tsx/esm/api";

register();
const worker = await import("./link-worker.ts");
export default worker.default;
