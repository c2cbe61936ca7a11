// Compare's inline diff (issue #16): the lines of each compare editor where the comparison's
// rule changes are written (the engine's `marks_a`/`marks_b`, src/session/marks.rs) get a
// coloured bar and background by status (+ added, ~ changed, − retired), with what changed as
// the line's tooltip. The marks follow edits until the next comparison replaces them.
import { RangeSetBuilder, StateEffect, StateField } from "@codemirror/state";
import type { Extension } from "@codemirror/state";
import { Decoration, EditorView, GutterMarker, gutter } from "@codemirror/view";
import type { DecorationSet } from "@codemirror/view";
import type { DiffMark } from "./types-panels";

const setMarks = StateEffect.define<DiffMark[]>();

const SIGN: Record<DiffMark["status"], string> = { added: "+", changed: "~", retired: "−" };

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

/** The extension a compare editor needs for its marks. */
export function diffMarks(): Extension {
  return [marksField, signGutter];
}

/** Shows `marks` in the editor, replacing the previous ones. */
export function showMarks(view: EditorView, marks: DiffMark[]): void {
  view.dispatch({ effects: setMarks.of(marks) });
}
