// Compare's inline diff (issue #16): the lines of each compare editor where the comparison's
// rule changes are written (the engine's `marks_a`/`marks_b`, src/session/marks.rs) get a
// coloured bar and background by status (+ added, ~ changed, − retired), with what changed as
// the line's tooltip. The marks follow edits until the next comparison replaces them. F7 and
// Shift-F7 (or the "Next change" and "Previous change" buttons) move to the next or previous
// marked change, as in a diff editor.
import { RangeSetBuilder, StateEffect, StateField } from "@codemirror/state";
import type { Extension } from "@codemirror/state";
import { Decoration, EditorView, GutterMarker, gutter, keymap } from "@codemirror/view";
import type { DecorationSet } from "@codemirror/view";
import type { DiffMark } from "./types";

const setMarks = StateEffect.define<DiffMark[]>();

// (the engine never marks an unchanged indicator)
const SIGN: Record<DiffMark["status"], string> = { added: "+", changed: "~", retired: "−", unchanged: "" };

class SignMarker extends GutterMarker {
  constructor(readonly status: DiffMark["status"], readonly note: string) {
    super();
  }
  override eq(other: SignMarker): boolean {
    return other.status === this.status && other.note === this.note;
  }
  override toDOM(): Node {
    const span = document.createElement("span");
    span.className = `cm-diff-sign cm-diff-sign-${this.status}`;
    span.textContent = SIGN[this.status];
    span.title = this.note;
    return span;
  }
}

/** Line decorations for the marks: every line from a mark's start to its end. */
function build(view: { state: EditorView["state"] }, marks: DiffMark[]): DecorationSet {
  const doc = view.state.doc;
  const lines = new Map<number, DiffMark>();
  for (const m of marks) {
    const first = Math.min(m.start.line, doc.lines);
    const last = Math.min(Math.max(m.end.line, first), doc.lines);
    for (let n = first; n <= last; n++) if (!lines.has(n)) lines.set(n, m);
  }
  const b = new RangeSetBuilder<Decoration>();
  for (const n of [...lines.keys()].sort((x, y) => x - y)) {
    const m = lines.get(n);
    if (!m) continue;
    const line = doc.line(n);
    b.add(
      line.from,
      line.from,
      Decoration.line({
        attributes: {
          class: `cm-diff cm-diff-${m.status}`,
          title: `${m.indicator ?? "scheme header"} ${m.status}${m.note ? `: ${m.note}` : ""}`,
          "data-diff": m.status,
          "data-indicator": m.indicator ?? "",
        },
      }),
    );
  }
  return b.finish();
}

const marksField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(value, tr) {
    for (const e of tr.effects) if (e.is(setMarks)) return build({ state: tr.state }, e.value);
    return tr.docChanged ? value.map(tr.changes) : value;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** The gutter with a sign per marked line (the change is written, not only coloured). */
const signGutter = gutter({
  class: "cm-diff-gutter",
  lineMarker(view, line) {
    let marker: SignMarker | null = null;
    view.state.field(marksField).between(line.from, line.from, (_from, _to, deco) => {
      const attrs = (deco.spec as { attributes?: Record<string, string> }).attributes;
      const status = attrs?.["data-diff"] as DiffMark["status"] | undefined;
      if (status) marker = new SignMarker(status, attrs?.title ?? "");
    });
    return marker;
  },
  lineMarkerChange: (u) => u.transactions.some((t) => t.effects.some((e) => e.is(setMarks))),
});

/** The first line of each marked change (a run of lines marked for one change), in order. */
function changeStarts(view: EditorView): number[] {
  const starts: number[] = [];
  let prevLine = -2;
  let prevTitle = "";
  view.state.field(marksField).between(0, view.state.doc.length, (from, _to, deco) => {
    const line = view.state.doc.lineAt(from).number;
    const title = (deco.spec as { attributes?: Record<string, string> }).attributes?.title ?? "";
    if (line !== prevLine + 1 || title !== prevTitle) starts.push(from);
    prevLine = line;
    prevTitle = title;
  });
  return starts;
}

/** Moves the cursor to the next marked change after it (`dir` 1) or the previous one before
 * it (-1), wrapping round; false when there is none. */
export function jumpToChange(view: EditorView, dir: 1 | -1): boolean {
  const starts = changeStarts(view);
  if (starts.length === 0) return false;
  const here = view.state.doc.lineAt(view.state.selection.main.head).from;
  const target =
    dir === 1
      ? (starts.find((s) => s > here) ?? starts[0])
      : ([...starts].reverse().find((s) => s < here) ?? starts[starts.length - 1]);
  if (target === undefined) return false;
  view.dispatch({ selection: { anchor: target }, effects: EditorView.scrollIntoView(target, { y: "start", yMargin: 24 }) });
  view.focus();
  return true;
}

/** The extension a compare editor needs for its marks (and F7 / Shift-F7 to move between them). */
export function diffMarks(): Extension {
  return [
    marksField,
    signGutter,
    keymap.of([
      { key: "F7", run: (v) => jumpToChange(v, 1), preventDefault: true },
      { key: "Shift-F7", run: (v) => jumpToChange(v, -1), preventDefault: true },
    ]),
  ];
}

/** Shows `marks` in the editor, replacing the previous ones. */
export function showMarks(view: EditorView, marks: DiffMark[]): void {
  view.dispatch({ effects: setMarks.of(marks) });
}
