import { join } from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The web app is served by the mimamori process itself (src/server/app.ts);
// `npm run dev` proxies /api to it.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: join(import.meta.dirname, "dist"), emptyOutDir: true, sourcemap: false },
  server: { proxy: { "/api": "http://127.0.0.1:3000" } },
});
