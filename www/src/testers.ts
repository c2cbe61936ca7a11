// The editor's tools for rule testers (issue #18): "Generate boundary tests" for the indicator
// under the cursor (the engine's `boundary`, what `qofrules boundary --indicator ID` prints),
// inserted after that indicator's block as one undoable change; and compare's "Can anyone
// differ?" (the engine's `witness`, what `qofrules witness A B --format json` prints): per
// indicator the verdict, the reason and the witness patient as a test block, which a button
// copies into scheme B's text as a test expecting B's outcome.
import { EditorView } from "@codemirror/view";
import { h } from "./report";
import type { IndicatorWitness, WitnessOutput } from "./types";

/** An indicator's block in the text: its id, and where the block starts and ends (UTF-16
 * offsets; `end` just after the closing brace). */
export interface Block {
  id: string;
  start: number;
  end: number;
}

/** The offset just after the `}` that closes the first `{` at or after `from`, skipping
 * strings and comments; the text's length when it is not closed. */
function blockEnd(text: string, from: number): number {
  let depth = 0;
  for (let k = from; k < text.length; k++) {
    const c = text[k];
    if (c === '"') {
      k++;
      while (k < text.length && text[k] !== '"' && text[k] !== "\n") k++;
    } else if (c === "/" && text[k + 1] === "/") {
      while (k < text.length && text[k] !== "\n") k++;
    } else if (c === "{") {
      depth++;
    } else if (c === "}") {
      depth--;
      if (depth === 0) return k + 1;
    }
  }
  return text.length;
}

/** The `indicator ID { ... }` (or `network indicator`, or a variant's `change ID { ... }`)
 * block the offset is in, the header line included; null outside every indicator. */
export function enclosingIndicator(text: string, offset: number): Block | null {
  const head = /^(?:network[ \t]+)?(?:indicator|change)[ \t]+([A-Za-z_][A-Za-z0-9_]*)/gm;
  let found: Block | null = null;
  for (let m = head.exec(text); m !== null && m.index <= offset; m = head.exec(text)) {
    const end = blockEnd(text, m.index);
    if (offset <= end) found = { id: m[1] ?? "", start: m.index, end };
  }
  return found;
}

/** Inserts generated tests after a block (on the lines after its closing brace), as one
 * change; the cursor goes to the first inserted line. Returns where the insertion is. */
export function insertAfter(view: EditorView, block: Block, tests: string): { from: number; to: number } {
  const doc = view.state.doc;
  const at = doc.lineAt(Math.min(block.end, doc.length)).to;
  const insert = `\n\n${tests.trimEnd()}`;
  view.dispatch({
    changes: { from: at, insert },
    selection: { anchor: at + 2 },
    // the first inserted line at the top of the editor
    effects: EditorView.scrollIntoView(at + 2, { y: "start" }),
    userEvent: "input.boundary",
  });
  return { from: at + 2, to: at + insert.length };
}

/** The witness as a test of scheme B: the same patient, expecting B's outcome (null when B has
 * no such indicator). */
export function witnessTestForB(w: IndicatorWitness): string | null {
  if (!w.witness || !w.b || w.b.outcome === "absent") return null;
  const outcome = w.b.outcome;
  let replaced = false;
  const text = w.witness.replace(/^([ \t]*expect[ \t]+\S+[ \t]+).*$/m, (_all, lead: string) => {
    replaced = true;
    return `${lead}${outcome}`;
  });
  return replaced ? text : null;
}

const VERDICT: Record<IndicatorWitness["verdict"], string> = {
  differ: "≠ differ",
  unknown: "? unknown",
  same: "= same",
};

/** One row of the panel: indicator, verdict, reason and the witness (with both outcomes and
 * explanations, and the button that copies it into B). */
function row(w: IndicatorWitness, copy: (w: IndicatorWitness, test: string) => void): HTMLElement {
  const test = witnessTestForB(w);
  let witness: HTMLElement | string = "";
  if (w.witness) {
    const button = test
      ? h("button", { type: "button", class: "copy-witness", title: `Append this patient to scheme B's text as a test expecting ${w.b?.outcome ?? ""}` }, "Copy into B as a test")
      : null;
    button?.addEventListener("click", () => copy(w, test ?? ""));
    witness = h(
      "div",
      {},
      h("pre", { class: "witness-test" }, w.witness),
      w.a || w.b
        ? h(
            "details",
            {},
            h("summary", {}, "Both explanations"),
            h("p", {}, h("strong", {}, "A: "), w.a?.explanation ?? ""),
            h("p", {}, h("strong", {}, "B: "), w.b?.explanation ?? ""),
          )
        : null,
      button,
    );
  }
  return h(
    "tr",
    { "data-indicator": w.indicator, "data-verdict": w.verdict },
    h("th", { scope: "row" }, w.indicator),
    h("td", { class: `verdict verdict-${w.verdict}` }, VERDICT[w.verdict]),
    h("td", {}, w.reason),
    h("td", {}, witness),
  );
}

function witnessTable(caption: string, list: IndicatorWitness[], copy: (w: IndicatorWitness, test: string) => void): HTMLElement {
  return h(
    "table",
    { class: "witness" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Indicator"), h("th", { scope: "col" }, "Verdict"), h("th", { scope: "col" }, "Reason"), h("th", { scope: "col" }, "Witness patient"))),
    h("tbody", {}, ...list.map((w) => row(w, copy))),
  );
}

/** The "Can anyone differ?" panel: the indicators the comparison changed, or that any
 * patient can differ on (or where that is unknown), first; the rest, where no patient can
 * differ, folded below. */
export function witnessPanel(out: WitnessOutput, changed: Set<string>, copy: (w: IndicatorWitness, test: string) => void): HTMLElement {
  const first = out.indicators.filter((w) => w.verdict !== "same" || changed.has(w.indicator));
  const rest = out.indicators.filter((w) => w.verdict === "same" && !changed.has(w.indicator));
  const count = (v: IndicatorWitness["verdict"]) => out.indicators.filter((w) => w.verdict === v).length;
  return h(
    "section",
    { id: "witness", "aria-labelledby": "witness-title" },
    h("h2", { id: "witness-title" }, "Can anyone differ?"),
    h(
      "p",
      { id: "witness-summary" },
      `${count("differ")} indicator${count("differ") === 1 ? "" : "s"} where a patient can have another outcome (a witness, verified under both), ${count("unknown")} unknown, ${count("same")} where no patient can differ (proved). As qofrules witness A B.`,
    ),
    first.length ? witnessTable(`Changed indicators (${first.length})`, first, copy) : h("p", {}, "No indicator changed."),
    rest.length ? h("details", { class: "witness-same" }, h("summary", {}, `Unchanged indicators (${rest.length}): no patient can differ`), witnessTable(`Unchanged indicators (${rest.length})`, rest, copy)) : null,
  );
}
