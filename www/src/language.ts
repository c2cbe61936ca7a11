// Syntax highlighting for the qofrules language: a small stream tokenizer (no Lezer grammar)
// for the grammar's categories: declaration keywords, other keywords, defined names, names,
// numbers, SNOMED codes, dates and QOF years, percentages, money, strings and comments. The
// keyword list is grammar/qof.pest's `keyword` rule.
//
// Token names have no dots: CodeMirror's stream parser reads `a.b` as tag `a` with modifier
// `b`, so each category is one name in TOKEN_TAGS, and each tag used has a style in STYLE.
import { HighlightStyle, StreamLanguage, syntaxHighlighting } from "@codemirror/language";
import type { Extension } from "@codemirror/state";
import { tags as t } from "@lezer/highlight";

const KEYWORDS = new Set(
  (
    "achieved achievement adjusted adjustments after aged age and apart apdf aspiration attested " +
    "at average band before between birth blend born by category change chose codelist count cpi days day even " +
    "decile decimals decimal define denominator deprivation deregistered domain each empty end except " +
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
  "gateway", "tier", "obligation", "test", "stratum", "category",
]);

interface State {
  /** The previous token was a declaration keyword: the next name is being defined. */
  defining: boolean;
}

/** The tokenizer's own categories and their highlighting tags. */
export const TOKEN_TAGS = {
  declaration: t.definitionKeyword,
  definedName: t.definition(t.variableName),
  money: t.special(t.number),
  percent: t.unit,
  date: t.literal,
  code: t.atom,
  listName: t.labelName,
};

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
    if (stream.match(/^£[\d,]+(\.\d+)?/)) return "money";
    if (stream.match(/^\d{4}-\d{2}-\d{2}(?![\w])/)) return "date";
    if (stream.match(/^\d{4}\/\d{2}(?![\w])/)) return "date";
    if (stream.match(/^\d+(\.\d+)?%/)) return "percent";
    // SNOMED CT concept ids have 6 to 18 digits; no other number in a scheme is that long
    if (stream.match(/^\d{6,18}(?![\w.])/)) return "code";
    if (stream.match(/^-?\d+(\.\d+)?(?![\w])/)) return "number";
    if (stream.match(/^\d+\w+/)) return "listName";
    const word = stream.match(/^[A-Za-z_]\w*/);
    if (word && typeof word !== "boolean") {
      const w = word[0];
      if (KEYWORDS.has(w)) {
        // a declaration starts its line (`register DM` inside an indicator is a reference)
        const declares = DECLARATIONS.has(w) && /^\s*(network\s+)?$/.test(stream.string.slice(0, stream.start));
        state.defining = declares;
        return declares ? "declaration" : "keyword";
      }
      if (state.defining) {
        state.defining = false;
        return "definedName";
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
  tokenTable: TOKEN_TAGS,
  languageData: { commentTokens: { line: "//" } },
});

// Colours chosen for contrast (WCAG AA for normal text) on the light and the dark background:
// each is a CSS variable, set in style.css for both colour schemes.
const STYLE = HighlightStyle.define([
  { tag: t.comment, color: "var(--hl-comment)", fontStyle: "italic" },
  { tag: t.string, color: "var(--hl-string)" },
  { tag: t.definitionKeyword, color: "var(--hl-declaration)", fontWeight: "bold" },
  { tag: t.keyword, color: "var(--hl-keyword)" },
  { tag: t.definition(t.variableName), color: "var(--hl-defined)", fontWeight: "bold" },
  { tag: t.variableName, color: "var(--hl-name)" },
  { tag: t.number, color: "var(--hl-number)" },
  { tag: t.special(t.number), color: "var(--hl-money)", fontWeight: "bold" },
  { tag: t.unit, color: "var(--hl-number)", fontWeight: "bold" },
  { tag: t.literal, color: "var(--hl-date)" },
  { tag: t.atom, color: "var(--hl-code)" },
  { tag: t.labelName, color: "var(--hl-list)" },
  { tag: t.operator, color: "var(--hl-operator)" },
  { tag: [t.bracket, t.separator], color: "var(--hl-punctuation)" },
]);

export function qof(): Extension {
  return [qofLanguage, syntaxHighlighting(STYLE)];
}
