// Resizable splits: a separator (role="separator") between two areas of a grid sets the grid's
// `--split` custom property (a percentage of the container) by pointer drag or arrow keys, and
// the browser remembers it.

export interface SplitOptions {
  /** The separator element. */
  handle: HTMLElement;
  /** The grid whose `--split` it sets. */
  container: HTMLElement;
  /** "x": the separator moves left and right (columns); "y": up and down (rows). */
  axis: "x" | "y";
  /** The localStorage key of the last split. */
  storeKey: string;
  /** The split at start, in percent. */
  initial: number;
  min?: number;
  max?: number;
}

export function makeSplit(o: SplitOptions): void {
  const min = o.min ?? 20;
  const max = o.max ?? 80;
  const clamp = (v: number) => Math.min(max, Math.max(min, v));
  let value = o.initial;
  const set = (percent: number, save: boolean) => {
    const v = clamp(percent);
    value = v;
    o.container.style.setProperty("--split", `${v.toFixed(1)}%`);
    o.handle.setAttribute("aria-valuenow", String(Math.round(v)));
    if (save) localStorage.setItem(o.storeKey, v.toFixed(1));
  };
  o.handle.setAttribute("aria-valuemin", String(min));
  o.handle.setAttribute("aria-valuemax", String(max));
  const stored = Number(localStorage.getItem(o.storeKey));
  set(stored > 0 ? stored : o.initial, false);

  const current = () => value;
  o.handle.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    o.handle.setPointerCapture(e.pointerId);
    o.handle.classList.add("dragging");
    const move = (ev: PointerEvent) => {
      const box = o.container.getBoundingClientRect();
      const percent = o.axis === "x" ? ((ev.clientX - box.left) / box.width) * 100 : ((ev.clientY - box.top) / box.height) * 100;
      set(percent, false);
    };
    const up = () => {
      o.handle.classList.remove("dragging");
      o.handle.removeEventListener("pointermove", move);
      o.handle.removeEventListener("pointerup", up);
      o.handle.removeEventListener("pointercancel", up);
      set(current(), true);
    };
    o.handle.addEventListener("pointermove", move);
    o.handle.addEventListener("pointerup", up);
    o.handle.addEventListener("pointercancel", up);
  });
  o.handle.addEventListener("keydown", (e) => {
    const back = o.axis === "x" ? "ArrowLeft" : "ArrowUp";
    const forward = o.axis === "x" ? "ArrowRight" : "ArrowDown";
    const step = e.key === back ? -2 : e.key === forward ? 2 : 0;
    if (step !== 0) {
      e.preventDefault();
      set(current() + step, true);
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      set(e.key === "Home" ? min : max, true);
    }
  });
}
