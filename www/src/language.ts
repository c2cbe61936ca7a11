// Syntax highlighting for the qofrules language: a small stream tokenizer (no Lezer grammar)
// for keywords, names, numbers, dates, QOF years, percentages, money, strings and comments.
// The keyword list is grammar/qof.pest's `keyword` rule.
import { HighlightStyle, StreamLanguage, syntaxHighlighting } from "@codemirror/language";
import type { Extension } from "@codemirror/state";
import { tags as t } from "@lezer/highlight";

const KEYWORDS = new Set(
  (
    "achieved achievement adjusted adjustments after aged age and apart apdf aspiration attested " +
    "at average band before between birth blend born by category change chose codelist count cpi days day even " +
    "decile decimals decimal define denominator deprivation deregistered domain empty end except " +
    "excluded exclude expect extends false female first for from full gateway group has highest higher " +
    "half historic includes indicator in is keep last latest least line list lowest lower male monitored months month " +
    "national networks network new none not no numerator obligation of once on or otherwise " +
    "over paid patients patient payment pays per performance period points point pounds practice " +
    "prevalence registered registration register report requires response retire rounding " +
    "scheme scores service since size snomed start stratum sex test the thresholds threshold tier title to toward true " +
    "unavailable under unsuitable up value weeks week when where with workstream years year zero"
  ).split(" "),
);

/** Declaration keywords: highlighted more strongly. */
const DECLARATIONS = new Set([
  "scheme", "codelist", "register", "define", "indicator", "keep", "retire", "change",
  "gateway", "tier", "obligation", "test", "stratum",
]);

interface State {
  /** The previous token was a declaration keyword: the next name is being defined. */
  defining: boolean;
}

export const qofLanguage = StreamLanguage.define<State>({
  name: "qof",
  startState: () => ({ defining: false }),
  token(stream, state) {
    if (stream.eatSpace()) return null;
    if (stream.match("//")) {
      stream.skipToEnd();
      return "comment";
    }
    if (stream.peek() === '"') {
      stream.next();
      let escaped = false;
      for (;;) {
        const c = stream.next();
        if (c === undefined) break;
        if (c === '"' && !escaped) break;
        escaped = !escaped && c === "\\";
      }
      return "string";
    }
    if (stream.match(/^£\d+(\.\d+)?/)) return "number.money";
    if (stream.match(/^\d{4}-\d{2}-\d{2}(?![\w])/)) return "literal.date";
    if (stream.match(/^\d{4}\/\d{2}(?![\w])/)) return "literal.date";
    if (stream.match(/^\d+(\.\d+)?%/)) return "number.percent";
    if (stream.match(/^-?\d+(\.\d+)?(?![\w])/)) return "number";
    if (stream.match(/^\d+\w+/)) return "name.list";
    const word = stream.match(/^[A-Za-z_]\w*/);
    if (word && typeof word !== "boolean") {
      const w = word[0];
      if (KEYWORDS.has(w)) {
        state.defining = DECLARATIONS.has(w);
        return DECLARATIONS.has(w) ? "keyword.declaration" : "keyword";
      }
      if (state.defining) {
        state.defining = false;
        return "name.definition";
      }
      return "variableName";
    }
    state.defining = false;
    const c = stream.next();
    if (c === "{" || c === "}" || c === "(" || c === ")") return "bracket";
    if (c === "," || c === ";") return "separator";
    if (c && "<>=!/".includes(c)) {
      stream.eat("=");
      return "operator";
    }
    return null;
  },
  tokenTable: {
    "keyword.declaration": t.definitionKeyword,
    "name.definition": t.definition(t.variableName),
    "number.money": t.special(t.number),
    "number.percent": t.unit,
    "literal.date": t.literal,
    "name.list": t.labelName,
  },
  languageData: { commentTokens: { line: "//" } },
});

// Colours chosen for contrast on a white background (WCAG AA for normal text).
const style = HighlightStyle.define([
  { tag: t.comment, color: "#5c6a72", fontStyle: "italic" },
  { tag: t.string, color: "#8a3a00" },
  { tag: t.definitionKeyword, color: "#7a1fa2", fontWeight: "bold" },
  { tag: t.keyword, color: "#0b57a4" },
  { tag: t.definition(t.variableName), color: "#00695c", fontWeight: "bold" },
  { tag: t.variableName, color: "#1a1a1a" },
  { tag: [t.number, t.special(t.number), t.unit], color: "#a0195c" },
  { tag: t.literal, color: "#2e7d32" },
  { tag: t.labelName, color: "#6d4c00" },
  { tag: t.operator, color: "#37474f" },
]);

export function qof(): Extension {
  return [qofLanguage, syntaxHighlighting(style)];
}
