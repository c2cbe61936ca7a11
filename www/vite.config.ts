import { defineConfig } from "vite";

// The wasm package lives in ../pkg (built by `cargo xtask serve` / `cargo xtask test`).
export default defineConfig({
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
  },
  server: {
    fs: {
      // let the dev server (`npm run dev`) read ../pkg
      allow: [".."],
    },
  },
});
