// The JSON shapes the wasm Workspace returns (src/session.rs and src/wasm.rs). The reply types
// are generated from the Rust types into contracts.ts (`UPDATE_CONTRACTS=1 cargo test --lib
// contracts`; a test fails while it is stale); only the shapes the wasm layer builds around
// them are written here. Decimal numbers (money, points, achievement) are strings so that no
// reader rounds them through binary floating point.

import type { Problem } from "./contracts";

export type * from "./contracts";

export interface Failure {
  ok: false;
  errors: Problem[];
  warnings: Problem[];
}

/** Every Workspace call's reply (`session::Reply`): the value's fields beside `ok`. */
export type Reply<T> = (T & { ok: true; errors: Problem[]; warnings: Problem[] }) | Failure;

/** `evaluateJson`'s value: the exact text `qofrules eval --format json` prints. */
export interface JsonOutput {
  json: string;
}
