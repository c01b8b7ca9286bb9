/** Builds the dashboard to `dist/`, which the daemon serves at `/`; `npm run dev` proxies the API to a running daemon. */
import { defineConfig } from "vite";

const daemon = process.env.PYGENT_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, target: "es2022" },
  server: {
    proxy: {
      "/api": daemon,
      "/ws": { target: daemon, ws: true },
    },
  },
});
