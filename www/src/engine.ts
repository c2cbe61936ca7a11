// The page's side of the worker protocol: typed calls that return promises.
import type { Init, Method, Methods, Request, Response } from "./protocol";

let compiled: Promise<WebAssembly.Module> | undefined;

/** Fetches and compiles the engine once for every worker. */
function engineModule(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compileStreaming(fetch(new URL("../../pkg/qofrules_bg.wasm", import.meta.url)));
  return compiled;
}

export interface Timed<T> {
  value: T;
  ms: number;
}

/** Thrown by calls pending when their worker was terminated (`Engine.terminate`). */
export class Cancelled extends Error {}

export class Engine {
  private worker: Worker;
  private next = 1;
  private pending = new Map<number, { resolve: (r: Response) => void; reject: (e: Error) => void }>();
  private started: Promise<void>;
  private terminated = false;

  /** `tools`: the tools worker (tools-worker.ts: compare's witness, no population). */
  constructor(kind: "engine" | "tools" = "engine") {
    this.worker =
      kind === "tools"
        ? new Worker(new URL("./tools-worker.ts", import.meta.url), { type: "module" })
        : new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    this.worker.onmessage = (event: MessageEvent<Response>) => {
      const p = this.pending.get(event.data.id);
      if (p) {
        this.pending.delete(event.data.id);
        p.resolve(event.data);
      }
    };
    this.started = engineModule().then((module) => {
      const init: Init = { module };
      this.worker.postMessage(init);
    });
  }

  /** Calls a Workspace method in the worker; rejects only when the engine itself failed. */
  async timed<M extends Method>(method: M, ...args: Methods[M][0]): Promise<Timed<Methods[M][1]>> {
    const id = this.next++;
    const req: Request<M> = { id, method, args };
    await this.started;
    if (this.terminated) throw new Cancelled("cancelled by a newer edit");
    const res = await new Promise<Response>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(req);
    });
    if ("error" in res) {
      throw new Error(`the engine failed in ${method}: ${res.error}`);
    }
    const value = "json" in res ? JSON.parse(res.json) : res.value;
    return { value: value as Methods[M][1], ms: res.ms };
  }

  /** Whether a call is waiting for its reply. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Stops the worker at once, even in the middle of a call; the calls pending reject with
   * `Cancelled`. The engine cannot be used afterwards. */
  terminate(): void {
    this.terminated = true;
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new Cancelled("cancelled by a newer edit"));
    this.pending.clear();
  }

  async call<M extends Method>(method: M, ...args: Methods[M][0]): Promise<Methods[M][1]> {
    return (await this.timed(method, ...args)).value;
  }
}
