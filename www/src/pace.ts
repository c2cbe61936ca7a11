// How fast the text is being typed. The work an edit starts (checking, and evaluating in
// parallel) begins at once after a pause, so a single edit shows its results as soon as the
// engine has them; while keys come quickly it waits for a short lull instead, so that a burst
// of typing is checked once rather than once per key.

/** Keystrokes closer together than this are typing fast. */
export const FAST_MS = 250;
/** While typing fast, the work waits until this long after the last keystroke. */
export const LULL_MS = 100;

export class Pace {
  private last = -Infinity;
  private fast = false;

  /** Notes a change of the text (call on every change, before `settled`). */
  changed(now: number = performance.now()): void {
    this.fast = now - this.last < FAST_MS;
    this.last = now;
  }

  /** Resolves when work on the text may start: at once after a pause, else `LULL_MS` after
   * the last keystroke (which moves on while keys keep coming). */
  async settled(): Promise<void> {
    while (this.fast) {
      const wait = this.last + LULL_MS - performance.now();
      if (wait <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
