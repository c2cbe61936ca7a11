// The help dialog: keyboard shortcuts and the language reference, docs/language.md bundled
// into the page (so it works offline), split into sections that a search filters.
import languageDoc from "../../docs/language.md?raw";
import { h } from "./report";

interface Section {
  level: number;
  title: string;
  id: string;
  body: string;
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^\w\s-]/g, "").trim().replace(/\s+/g, "-");
}

/** The reference's sections, split at its headings (none inside code blocks). */
export function sections(md: string): Section[] {
  const out: Section[] = [];
  let current: Section = { level: 1, title: "The qofrules language", id: "top", body: "" };
  let fenced = false;
  for (const line of md.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const m = fenced ? null : /^(#{1,4})\s+(.*)$/.exec(line);
    if (m && m[1] && m[2] !== undefined) {
      if (current.body.trim() || current.level > 1) out.push(current);
      current = { level: m[1].length, title: m[2], id: slug(m[2]), body: "" };
    } else {
      current.body += `${line}\n`;
    }
  }
  out.push(current);
  return out;
}

let rendered: { section: Section; el: HTMLElement }[] | undefined;

function render(doc: HTMLElement): void {
  rendered = sections(languageDoc).map((section) => {
    const heading = h(section.level <= 2 ? "h3" : "h4", { id: `help-${section.id}` }, section.title);
    const el = h("section", { class: "doc-section" }, heading, h("pre", { class: "doc" }, section.body.trim()));
    return { section, el };
  });
  doc.replaceChildren(...rendered.map((r) => r.el));
}

function filter(query: string, count: HTMLElement): void {
  const q = query.trim().toLowerCase();
  let shown = 0;
  for (const r of rendered ?? []) {
    const hit = q === "" || r.section.title.toLowerCase().includes(q) || r.section.body.toLowerCase().includes(q);
    r.el.hidden = !hit;
    if (hit) shown++;
  }
  count.textContent = q === "" ? `${shown} sections` : `${shown} section${shown === 1 ? "" : "s"} mention “${query.trim()}”`;
}

/** Wires the dialog; returns a function that opens it (optionally searching for a word). */
export function setupHelp(): (query?: string) => void {
  const dialog = document.getElementById("help") as HTMLDialogElement;
  const doc = document.getElementById("help-doc") as HTMLElement;
  const search = document.getElementById("help-search") as HTMLInputElement;
  const count = document.getElementById("help-count") as HTMLElement;
  const open = (query = "") => {
    if (!rendered) render(doc);
    search.value = query;
    filter(query, count);
    if (!dialog.open) dialog.showModal();
    search.focus();
  };
  search.addEventListener("input", () => filter(search.value, count));
  document.getElementById("help-close")?.addEventListener("click", () => dialog.close());
  document.getElementById("help-open")?.addEventListener("click", () => open());
  document.addEventListener("keydown", (e) => {
    if (e.key === "F1") {
      e.preventDefault();
      open();
    }
  });
  return open;
}
