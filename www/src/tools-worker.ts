// The tools worker: compare's "Can anyone differ?" (the engine's `witnessPlan` and `witness`)
// runs here, apart from the engine worker, so that a witness search (seconds per indicator on
// very different schemes) never delays an evaluation or a comparison. The page terminates this
// worker when a newer edit makes its work stale and starts another when asked again, so its
// workspace has no population (it needs none, and generating one would cost each restart).
import init, { Workspace } from "../../pkg/qofrules.js";
import type { Init, Method, Methods, Request, Response } from "./protocol";

let ready: Promise<unknown> = Promise.reject(new Error("the tools worker was not given its module"));
ready.catch(() => undefined);
let ws: Workspace | undefined;

function workspace(): Workspace {
  ws ??= Workspace.without_population();
  return ws;
}

type Handler<M extends Method> = (...args: Methods[M][0]) => unknown;
type ToolMethod = "version" | "witnessPlan" | "witness";

const handlers: { [M in ToolMethod]: Handler<M> } = {
  version: () => "tools",
  witnessPlan: (a, b) => workspace().witness_plan(a, b),
  witness: (a, b, indicator) => workspace().witness(a, b, indicator ?? undefined),
};

self.onmessage = async (event: MessageEvent<Request | Init>) => {
  const req = event.data;
  if ("module" in req) {
    ready = init({ module_or_path: req.module });
    return;
  }
  const t0 = performance.now();
  let res: Response;
  try {
    await ready;
    if (!(req.method in handlers)) throw new Error(`the tools worker has no method ${req.method}`);
    const handler = handlers[req.method as ToolMethod] as (...args: unknown[]) => unknown;
    res = { id: req.id, value: handler(...(req.args as unknown[])), ms: performance.now() - t0 };
  } catch (err) {
    ws = undefined;
    res = { id: req.id, error: String(err), ms: performance.now() - t0 };
  }
  self.postMessage(res);
};
