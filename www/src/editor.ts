// A CodeMirror 6 editor for rule files: highlighting, live diagnostics (underlines, gutter
// markers) from the engine's checker, completion of keywords and names, search, history.
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import type { Completion, CompletionContext, CompletionResult } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { bracketMatching, indentOnInput } from "@codemirror/language";
import { lintGutter, lintKeymap, linter } from "@codemirror/lint";
import type { Diagnostic } from "@codemirror/lint";
import { highlightSelectionMatches, search, searchKeymap } from "@codemirror/search";
import { Compartment, EditorState } from "@codemirror/state";
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
import { Pace } from "./pace";
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

/** A name defined in the scheme (or its parent): a code list, register, indicator, etc. */
export interface SchemeName {
  label: string;
  /** "code list", "register", "indicator", "definition", ... */
  kind: string;
  detail?: string;
}

const DECLARING: Record<string, string> = {
  codelist: "code list",
  register: "register",
  define: "definition",
  indicator: "indicator",
  gateway: "gateway",
  tier: "tier",
  obligation: "obligation",
  category: "adjustment category",
};

/** The names the text declares (`codelist DM_COD`, `define bp_140_90`, ...). */
export function declaredNames(text: string): SchemeName[] {
  const out: SchemeName[] = [];
  const seen = new Set<string>();
  for (const m of text.matchAll(/^[ \t]*(?:network[ \t]+)?(codelist|register|define|indicator|gateway|tier|obligation|category)[ \t]+([A-Za-z_]\w*)/gm)) {
    const [, kw, name] = m;
    if (!kw || !name || seen.has(name)) continue;
    seen.add(name);
    out.push({ label: name, kind: DECLARING[kw] ?? kw });
  }
  return out;
}

/** Keywords after which the grammar expects a name (of a code list, register, indicator or
 * definition). */
const BEFORE_NAME = new Set([
  "where", "when", "latest", "first", "count", "register", "denominator", "expect", "extends",
  "includes", "keep", "retire", "change", "requires", "not", "and", "or", "in", "of", "stratum",
]);

/** Where a window takes a date (`between D1 and D2`) or an anchor, a date included (`since`,
 * `before`, `after`, `X from A to B`): the text before the cursor ends with that keyword. */
export function dateSlot(lead: string): "date" | "anchor" | null {
  if (/\bbetween\s+(\d{4}-\d\d-\d\d\s+and\s+)?$/.test(lead)) return "date";
  if (/\b(since|before|after)\s+$/.test(lead)) return "anchor";
  // `from` of a window follows a code list (`MMR_COD from ...`), not `snomed from "file"`
  if (/\b[A-Z][A-Z0-9_]*\s+from\s+([^,{}"]*?\bto\s+)?$/.test(lead)) return "anchor";
  return null;
}

const ANCHORS: Completion[] = [
  { label: "the start of the period", type: "keyword" },
  { label: "the end of the period", type: "keyword" },
  { label: "registration", type: "keyword" },
  { label: "birth", type: "keyword" },
  { label: "latest", type: "keyword" },
  { label: "first", type: "keyword" },
];

/** What a window's date slot is offered: the scheme's period dates (from its `period D1 to
 * D2`), and at an anchor the anchors too. */
function windowOptions(text: string, slot: "date" | "anchor"): Completion[] {
  const period = /\bperiod\s+(\d{4}-\d\d-\d\d)\s+to\s+(\d{4}-\d\d-\d\d)/.exec(text);
  const dates: Completion[] = period?.[1] && period[2]
    ? [
        { label: period[1], type: "constant", detail: "start of the period" },
        { label: period[2], type: "constant", detail: "end of the period (PPED)" },
      ]
    : [];
  return slot === "date" ? dates : [...dates, ...ANCHORS];
}

const STANDARD_CATEGORIES = ["unsuitable", "chose not to", "no response", "service unavailable", "new patient"];

/** Whether `pos` is inside an `adjustments { ... }` block. */
function inAdjustments(text: string, pos: number): boolean {
  const before = text.slice(Math.max(0, pos - 5000), pos);
  const open = [...before.matchAll(/\badjustments\s*(?:[A-Za-z_]\w*\s*)?\{/g)].at(-1);
  return open !== undefined && !before.slice((open.index ?? 0) + open[0].length).includes("}");
}

/** Completion where it helps: keywords at the start of a statement (in an `adjustments`
 * block, the adjustment categories, standard and declared), names where a name is expected
 * (or where the word typed is the start of a name), the period's dates and the anchors where
 * a window takes a date; nothing on other numbers, in comments or in strings, and nothing
 * mid-statement unless asked for (Ctrl-Space). */
export function qofCompletion(extra: () => SchemeName[] = () => []) {
  return (ctx: CompletionContext): CompletionResult | null => {
    const line = ctx.state.doc.lineAt(ctx.pos);
    const before = line.text.slice(0, ctx.pos - line.from);
    // nothing in a comment or a string
    const code = before.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    if (code.includes("//") || (code.match(/"/g)?.length ?? 0) % 2 === 1) return null;
    // a window's date: the period's dates (and anchors), as soon as the slot is reached
    const token = /[\w-]*$/.exec(before)?.[0] ?? "";
    const slot = dateSlot(before.slice(0, before.length - token.length));
    if (slot) {
      const options = windowOptions(ctx.state.doc.toString(), slot);
      // still valid while the text typed is a date or the start of an option (`the start of`)
      const validFor = (t: string) => /^[\w-]*$/.test(t) || options.some((o) => o.label.startsWith(t));
      return options.length > 0 ? { from: ctx.pos - token.length, options, validFor } : null;
    }
    // never on numbers, dates, codes or money (`12`, `2019-04-01`, `£187.74`, `35%`)
    if (/(^|[^\w])[\d£][\w.%/-]*$/.test(before)) return null;
    const word = ctx.matchBefore(/[A-Za-z_]\w*/);
    if (!word && !ctx.explicit) return null;
    const from = word?.from ?? ctx.pos;
    const typed = word?.text ?? "";
    const lead = before.slice(0, from - line.from);
    const atStart = /^\s*$/.test(lead) || /[{,;]\s*$/.test(lead);
    const previous = /([A-Za-z_]\w*)\s*$/.exec(lead)?.[1];
    const nameExpected = (previous !== undefined && BEFORE_NAME.has(previous)) || /\/\s*$/.test(lead);
    const nameOptions = () => {
      const seen = new Set<string>();
      const out: Completion[] = [];
      for (const n of [...declaredNames(ctx.state.doc.toString()), ...extra()]) {
        if (seen.has(n.label) || n.label === typed) continue;
        seen.add(n.label);
        const type = n.kind === "definition" ? "function" : n.kind === "indicator" ? "class" : "variable";
        out.push(n.detail ? { label: n.label, type, detail: n.kind, info: n.detail } : { label: n.label, type, detail: n.kind });
      }
      return out;
    };
    if (atStart && inAdjustments(ctx.state.doc.toString(), ctx.pos) && (typed.length > 0 || ctx.explicit)) {
      const declared = declaredNames(ctx.state.doc.toString()).filter((n) => n.kind === "adjustment category");
      const options: Completion[] = [
        ...STANDARD_CATEGORIES.map((label) => ({ label, type: "enum", detail: "adjustment category" })),
        ...[...declared, ...extra().filter((n) => n.kind === "adjustment category")].map((n) => ({ label: n.label, type: "enum", detail: "adjustment category" })),
      ];
      return { from, options: options.filter((o, k) => options.findIndex((x) => x.label === o.label) === k), validFor: /^[\w ]*$/ };
    }
    const uppercase = /^[A-Z_]/.test(typed);
    if (nameExpected || uppercase) {
      const options = nameOptions().filter((o) => o.label.startsWith(typed) || ctx.explicit);
      if (options.length === 0) return null;
      return { from, options, validFor: /^\w*$/ };
    }
    if (atStart && (typed.length > 0 || ctx.explicit)) return { from, options: KEYWORD_COMPLETIONS, validFor: /^[\w ]*$/ };
    if (ctx.explicit) return { from, options: [...KEYWORD_COMPLETIONS, ...nameOptions()], validFor: /^[\w ]*$/ };
    // mid-statement, lowercase: only a definition's name, when the word starts one
    if (typed.length >= 2) {
      const options = nameOptions().filter((o) => o.label.startsWith(typed));
      if (options.length > 0) return { from, options, validFor: /^\w*$/ };
    }
    return null;
  };
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
  /** Called from the keystroke itself once the text may be worked on (at once after a pause,
   * after a short lull while keys come quickly: src/pace.ts), with the text, unless it changed
   * again meanwhile: the page starts its check and evaluation here rather than waiting for the
   * linter's own timer; the linter's `check` of the same text then finds that check under way. */
  onSettled?: (text: string) => void;
  onFormat: () => void;
  /** Names from outside the text (a parent scheme's), offered by completion. */
  names?: () => SchemeName[];
  /** Wrap long lines (else they scroll sideways inside the editor). */
  wrap?: boolean;
  /** More extensions (compare's diff marks). */
  extensions?: Extension[];
}

const wrapping = new Compartment();

/** Turns line wrapping on or off. */
export function setWrap(view: EditorView, on: boolean): void {
  view.dispatch({ effects: wrapping.reconfigure(on ? EditorView.lineWrapping : []) });
}

export function createEditor(o: EditorOptions): EditorView {
  const pace = new Pace();
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
    // selectOnOpen false: Enter inserts a newline unless the user moved into the list (arrow
    // keys); the completion keymap is added below, before the default one
    autocompletion({ override: [qofCompletion(o.names)], selectOnOpen: false, defaultKeymap: false }),
    qof(),
    // no fixed delay: `pace` waits only while keys come quickly (src/pace.ts); a check of a
    // text changed meanwhile is not started (CodeMirror drops its result anyway)
    linter(
      async (view) => {
        const start = view.state.doc;
        await pace.settled();
        const doc = view.state.doc;
        if (doc !== start) return []; // changed meanwhile: the change's own run checks it
        const problems = await o.check(doc.toString());
        return toDiagnostics(problems, doc.length);
      },
      { delay: 0 },
    ),
    lintGutter(),
    keymap.of([
      { key: "Shift-Alt-f", run: () => (o.onFormat(), true), preventDefault: true },
      ...closeBracketsKeymap,
      ...completionKeymap,
      ...defaultKeymap,
      ...searchKeymap,
      ...historyKeymap,
      ...lintKeymap,
    ]),
    wrapping.of(o.wrap ? EditorView.lineWrapping : []),
    EditorView.contentAttributes.of({ "aria-label": o.label }),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) {
        pace.changed();
        const doc = u.state.doc;
        const text = doc.toString();
        o.onChange(text);
        const settled = o.onSettled;
        if (settled) {
          void pace.settled().then(() => {
            if (u.view.state.doc === doc) settled(text);
          });
        }
      }
    }),
    ...(o.extensions ?? []),
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
