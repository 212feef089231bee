import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** The web console: built into dist/console, served by `vigil serve` under /console/. */
export default defineConfig({
  root: "src/console/web",
  base: "/console/",
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("./dist/console", import.meta.url)),
    emptyOutDir: true,
  },
  server: {
    // `npx vite` for front-end work against a running `vigil serve` on the default port.
    proxy: { "/console/api": "http://127.0.0.1:8600" },
  },
});
