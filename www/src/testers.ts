// The editor's tools for rule testers (issue #18): "Generate boundary tests" for the indicator
// under the cursor (the engine's `boundaryAt`, what `qofrules boundary --indicator ID` prints;
// in a `for each` body, for every copy of its indicator template), inserted after that block
// as one undoable change; and compare's "Can anyone differ?" (the engine's `witness`, what
// `qofrules witness A B --format json` prints): per indicator the verdict, the reason and the
// witness patient as a test block, which a button copies into scheme B's text as a test
// expecting B's outcome. The panel is filled on demand, in the tools worker: at once for the
// indicators the canonical forms settle (`witnessPlan`), then one `witness` call per indicator
// whose compiled rule differs.
import { EditorView } from "@codemirror/view";
import { h } from "./report";
import type { IndicatorWitness, PlannedWitness } from "./types";

/** A block of the text: where it starts and ends (UTF-16 offsets; `end` just after the
 * closing brace). The engine's `boundaryAt` finds it: the indicator under the cursor, or the
 * whole `for each` whose indicator template the cursor is in. */
export interface Block {
  start: number;
  end: number;
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

/** The row of an indicator whose answer is still being worked out. */
function pendingRow(id: string): HTMLElement {
  return h(
    "tr",
    { "data-indicator": id, "data-verdict": "pending" },
    h("th", { scope: "row" }, id),
    h("td", { class: "verdict verdict-pending" }, "… deciding"),
    h("td", { class: "muted" }, "its compiled rule differs between A and B: looking for a patient with another outcome"),
    h("td", {}, ""),
  );
}

function witnessTable(caption: string, rows: HTMLElement[]): HTMLElement {
  return h(
    "table",
    { class: "witness" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Indicator"), h("th", { scope: "col" }, "Verdict"), h("th", { scope: "col" }, "Reason"), h("th", { scope: "col" }, "Witness patient"))),
    h("tbody", {}, ...rows),
  );
}

/** The "Can anyone differ?" panel's content for a plan: the indicators the comparison changed,
 * those whose compiled rule differs (each "… deciding" until `answer` is given it) and any
 * that can differ first; the rest, settled `same` by form, folded below. */
export class WitnessPanel {
  readonly nodes: HTMLElement[];
  private answers: (IndicatorWitness | null)[];
  private summary: HTMLElement;
  private rows = new Map<string, HTMLElement>();

  constructor(
    private plan: PlannedWitness[],
    changed: Set<string>,
    private copy: (w: IndicatorWitness, test: string) => void,
  ) {
    this.answers = plan.map((p) => p.settled);
    const first: HTMLElement[] = [];
    const rest: HTMLElement[] = [];
    for (const p of plan) {
      const r = p.settled ? row(p.settled, copy) : pendingRow(p.indicator);
      this.rows.set(p.indicator, r);
      (p.settled && p.settled.verdict === "same" && !changed.has(p.indicator) ? rest : first).push(r);
    }
    this.summary = h("p", { id: "witness-summary" });
    this.nodes = [
      this.summary,
      first.length ? witnessTable(`Changed indicators (${first.length})`, first) : h("p", {}, "No indicator changed."),
      ...(rest.length ? [h("details", { class: "witness-same" }, h("summary", {}, `Unchanged indicators (${rest.length}): no patient can differ`), witnessTable(`Unchanged indicators (${rest.length})`, rest))] : []),
    ];
    this.count();
  }

  /** The indicators still to decide, in the panel's order. */
  pending(): string[] {
    return this.plan.filter((_, k) => this.answers[k] === null).map((p) => p.indicator);
  }

  /** Puts an indicator's answer in its row. */
  answer(w: IndicatorWitness): void {
    const k = this.plan.findIndex((p) => p.indicator === w.indicator);
    if (k < 0) return;
    this.answers[k] = w;
    const fresh = row(w, this.copy);
    this.rows.get(w.indicator)?.replaceWith(fresh);
    this.rows.set(w.indicator, fresh);
    this.count();
  }

  private count(): void {
    const known = this.answers.filter((a): a is IndicatorWitness => a !== null);
    const count = (v: IndicatorWitness["verdict"]) => known.filter((w) => w.verdict === v).length;
    const left = this.answers.length - known.length;
    const differ = count("differ");
    this.summary.textContent =
      (left ? `Deciding ${left} more indicator${left === 1 ? "" : "s"} whose rule differs… So far: ` : "") +
      `${differ} indicator${differ === 1 ? "" : "s"} where a patient can have another outcome (a witness, verified under both), ${count("unknown")} unknown, ${count("same")} where no patient can differ (proved). As qofrules witness A B.`;
  }
}
