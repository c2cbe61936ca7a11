// A CodeMirror 6 editor for rule files: highlighting, live diagnostics (underlines, gutter
// markers) from the engine's checker, completion of keywords and names, search, history.
import { autocompletion, closeBrackets, closeBracketsKeymap, completeAnyWord } from "@codemirror/autocomplete";
import type { CompletionContext, CompletionResult } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { bracketMatching, indentOnInput } from "@codemirror/language";
import { lintGutter, lintKeymap, linter } from "@codemirror/lint";
import type { Diagnostic } from "@codemirror/lint";
import { highlightSelectionMatches, search, searchKeymap } from "@codemirror/search";
import { EditorState } from "@codemirror/state";
import type { Extension } from "@codemirror/state";
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import { qof } from "./language";
import type { Problem } from "./types";

const KEYWORD_COMPLETIONS = [
  "scheme", "codelist", "register", "define", "indicator", "keep", "retire", "change", "gateway",
  "tier", "obligation", "test", "patient", "expect", "group", "domain", "points", "thresholds",
  "denominator", "achieved when", "adjustments", "exclude when", "stratum", "otherwise",
  "latest", "first", "count", "in last", "months", "years", "has value", "aged", "or over",
  "unsuitable", "chose not to", "no response", "service unavailable", "new patient",
  "prevalence adjusted", "monitored", "network indicator", "payment", "extends", "report by",
  "national prevalence", "national average list size", "rounding", "per group", "half up",
  "historic", "in pounds", "except",
].map((label) => ({ label, type: "keyword" }));

function keywords(ctx: CompletionContext): CompletionResult | null {
  const word = ctx.matchBefore(/[a-z]\w*/);
  if (!word || (word.from === word.to && !ctx.explicit)) return null;
  return { from: word.from, options: KEYWORD_COMPLETIONS, validFor: /^[\w ]*$/ };
}

/** Problems in the edited text as CodeMirror diagnostics (UTF-16 offsets, clamped). */
export function toDiagnostics(problems: Problem[], length: number): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const p of problems) {
    if (!p.root || !p.start) continue;
    const from = Math.min(p.start.offset, length);
    let to = Math.min(p.end?.offset ?? from, length);
    if (to <= from) to = Math.min(from + 1, length);
    out.push({
      from,
      to,
      severity: p.severity,
      source: p.code,
      message: p.help ? `${p.message}\nhelp: ${p.help}` : p.message,
    });
    // secondary places ("first defined here") as information marks
    for (const l of p.labels ?? []) {
      const lfrom = Math.min(l.start.offset, length);
      let lto = Math.min(l.end.offset, length);
      if (lto <= lfrom) lto = Math.min(lfrom + 1, length);
      out.push({ from: lfrom, to: lto, severity: "info", source: p.code, message: `${l.message}: ${p.message}` });
    }
  }
  return out;
}

export interface EditorOptions {
  parent: HTMLElement;
  doc: string;
  label: string;
  /** Checks the text; resolves with the problems (the editor underlines those in it). */
  check: (text: string) => Promise<Problem[]>;
  onChange: (text: string) => void;
  onFormat: () => void;
}

export function createEditor(o: EditorOptions): EditorView {
  const extensions: Extension[] = [
    lineNumbers(),
    highlightActiveLineGutter(),
    history(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    closeBrackets(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    search({ top: true }),
    autocompletion({ override: [keywords, completeAnyWord] }),
    qof(),
    linter(
      async (view) => {
        const text = view.state.doc.toString();
        const problems = await o.check(text);
        return toDiagnostics(problems, view.state.doc.length);
      },
      { delay: 100 },
    ),
    lintGutter(),
    keymap.of([
      { key: "Shift-Alt-f", run: () => (o.onFormat(), true), preventDefault: true },
      ...closeBracketsKeymap,
      ...defaultKeymap,
      ...searchKeymap,
      ...historyKeymap,
      ...lintKeymap,
    ]),
    EditorView.contentAttributes.of({ "aria-label": o.label }),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) o.onChange(u.state.doc.toString());
    }),
  ];
  return new EditorView({ state: EditorState.create({ doc: o.doc, extensions }), parent: o.parent });
}

/** Replaces the whole text (one undoable change). */
export function setText(view: EditorView, text: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

/** Moves the cursor to a UTF-16 offset, scrolls it into view and focuses the editor. */
export function jumpTo(view: EditorView, offset: number, end?: number): void {
  const from = Math.min(offset, view.state.doc.length);
  const to = Math.min(end ?? from, view.state.doc.length);
  view.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true });
  view.focus();
}
