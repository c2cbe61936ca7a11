// Browser tests of editing: a clean console on load, highlighting of each of the language's
// categories, and completion only where it helps (Enter still starts a new line).
import { test } from "node:test";
import assert from "node:assert/strict";
import { MINI, editorText, openPage, screenshot, setEditorText, waitState, useBrowser } from "./helpers.mjs";

const browser = useBrowser();

test("loading the page logs no console error or warning (no 404, no unknown highlighting tag)", async () => {
  const { page, errors } = await openPage(browser);
  assert.equal(await waitState(page, "#results", ["done", "error"], 120_000), "done");
  await page.waitForTimeout(300);
  await screenshot(page, "editing-load");
  assert.deepEqual(errors, []);
  await page.context().close();
});

/** Colour and weight of the highlighted span holding exactly `text` (the `nth` such span). */
async function styleOf(page, text, nth = 0) {
  return page.evaluate(([text, nth]) => {
    const spans = [...document.querySelectorAll("#editor .cm-content span")].filter((s) => s.textContent === text);
    const s = spans[nth];
    if (!s) return null;
    const cs = getComputedStyle(s);
    return `${cs.color} ${cs.fontWeight}`;
  }, [text, nth]);
}

test("every category of the language has its own style", async () => {
  const { page, errors } = await openPage(browser);
  const text = `${MINI}define high_bp "High" = latest BP in last 12 months has value >= 140
indicator X1 "Y" { group DM, domain CL, points 1, register DM, payment £1,000 }
`;
  await setEditorText(page, text);
  await page.waitForSelector("#editor .cm-content span");
  const plain = await page.evaluate(() => {
    const cs = getComputedStyle(document.querySelector("#editor .cm-line"));
    return `${cs.color} ${cs.fontWeight}`;
  });
  const sample = {
    declaration: await styleOf(page, "codelist"),
    keyword: await styleOf(page, "where"),
    definedName: await styleOf(page, "DM_COD", 0),
    name: await styleOf(page, "DM_COD", 1),
    date: await styleOf(page, "2019-04-01"),
    money: await styleOf(page, "£187.74"),
    percent: await styleOf(page, "35%"),
    number: await styleOf(page, "58"),
    code: await styleOf(page, "44054006"),
    string: await styleOf(page, '"Diabetes"'),
  };
  for (const [k, v] of Object.entries(sample)) assert.ok(v !== null, `a highlighted span for ${k}`);
  // a defined name and a used name differ; so do a declaration and a keyword, and each kind of literal
  const distinct = ["declaration", "keyword", "definedName", "date", "money", "percent", "number", "code", "string"];
  const styles = distinct.map((k) => sample[k]);
  assert.equal(new Set(styles).size, styles.length, `distinct styles: ${JSON.stringify(sample)}`);
  assert.notEqual(sample.definedName, sample.name);
  for (const k of distinct) assert.notEqual(sample[k], plain, `${k} is styled`);
  assert.match(sample.declaration, / 700$/, "declarations are bold");
  await screenshot(page, "editing-highlighting");
  assert.deepEqual(errors, []);
  await page.context().close();
});

/** The labels in the open completion list, or [] when none is open. */
async function completions(page) {
  await page.waitForTimeout(250);
  return page.locator(".cm-tooltip-autocomplete li .cm-completionLabel").allTextContents();
}

test("completion: keywords at a statement's start, names where a name is expected, never on numbers; Enter is a newline", async () => {
  const { page, errors } = await openPage(browser);
  await setEditorText(page, MINI);
  await page.keyboard.press("Control+End");

  // a keyword at the start of a statement; Enter without moving into the list is a newline
  await page.keyboard.type("ind");
  assert.ok((await completions(page)).includes("indicator"), "indicator is offered");
  await page.keyboard.press("Enter");
  assert.ok((await editorText(page)).endsWith("\nind\n"), "Enter started a new line");
  assert.deepEqual(await completions(page), []);

  // moving into the list with the arrow keys, Enter takes the option
  await page.keyboard.type("ind");
  await completions(page);
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  assert.ok((await editorText(page)).endsWith("\nind\nindicator"), "Enter took the chosen option");

  // never on numbers
  await page.keyboard.type(' X "x" { points 1');
  assert.deepEqual(await completions(page), [], "nothing offered on a number");
  await page.keyboard.type("0");
  assert.deepEqual(await completions(page), []);

  // a name where one is expected: the scheme's code lists and registers, not keywords
  await page.keyboard.type(", register ");
  await page.keyboard.press("Control+Space");
  const names = await completions(page);
  assert.ok(names.includes("DM") && names.includes("DM_COD") && names.includes("DM020"), `names: ${names}`);
  assert.ok(!names.includes("indicator"), "no keyword where a name is expected");
  await page.keyboard.type("DM_");
  assert.deepEqual(await completions(page), ["DM_COD"]);
  await screenshot(page, "editing-completion");
  await page.keyboard.press("Escape");

  // mid-statement, a lowercase word that starts no name: nothing pops up
  await page.keyboard.type(" gro");
  assert.deepEqual(await completions(page), []);
  // in a comment: nothing
  await page.keyboard.press("Enter");
  await page.keyboard.type("// ind");
  assert.deepEqual(await completions(page), []);
  assert.deepEqual(errors, []);
  await page.context().close();
});
