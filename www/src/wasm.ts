// The one place the front end loads the engine. wasm-bindgen (`--target web`) writes
// ../pkg/qofrules.js, its TypeScript declarations and qofrules_bg.wasm; `cargo xtask serve`
// and `cargo xtask test` build them before `npm run build`, which type-checks against them.
import init, * as engine from "../../pkg/qofrules.js";

export type Engine = typeof engine;

let loaded: Promise<Engine> | undefined;

/** Fetches and instantiates the wasm module once; later calls share the same promise. */
export function loadEngine(): Promise<Engine> {
  loaded ??= init().then(() => engine);
  return loaded;
}
