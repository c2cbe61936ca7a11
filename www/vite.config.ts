import { defineConfig } from "vite";

// The wasm package lives in ../pkg (built by `cargo xtask serve` / `cargo xtask test`). The
// engine runs in a module worker (src/worker.ts), which imports it.
export default defineConfig({
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
  },
  worker: {
    format: "es",
  },
  server: {
    fs: {
      // let the dev server (`npm run dev`) read ../pkg
      allow: [".."],
    },
  },
});
