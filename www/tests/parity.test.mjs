// Parity: for QOF 2019/20 on the embedded default population, the JSON of the native CLI
// (`qofrules eval --format json`, written by the xtask), of the wasm module under Node, and of
// the page in Chromium (its Export JSON button) are byte-identical.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "./browser.mjs";
import { expectedJson, openPage, repoRoot, waitState } from "./helpers.mjs";

const SCHEME = "rules/qof-2019-20.qof";
let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

async function wasmUnderNode() {
  const pkg = join(repoRoot, "pkg");
  const mod = await import(join(pkg, "qofrules.js"));
  await mod.default({ module_or_path: readFileSync(join(pkg, "qofrules_bg.wasm")) });
  const ws = new mod.Workspace();
  const reply = ws.evaluate_json(readFileSync(join(repoRoot, SCHEME), "utf8"));
  assert.equal(reply.ok, true, JSON.stringify(reply.errors));
  return reply.json;
}

test("CLI, wasm under Node and the page give byte-identical JSON", async (t) => {
  const cli = expectedJson("qof-2019-20.json");
  const node = await wasmUnderNode();
  const { page, errors } = await openPage(browser);
  assert.equal(await waitState(page, "#results", ["done", "error"], 120_000), "done");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-json")]);
  const browserJson = readFileSync(await download.path(), "utf8");
  assert.equal(browserJson, node, "the page's JSON is the wasm module's");
  assert.ok(JSON.parse(node).practices.length > 0);
  if (cli === null) {
    t.diagnostic("no CLI output (the CLI has no `eval` yet): compared wasm and page only");
  } else {
    assert.equal(node, cli, "the wasm module's JSON is the CLI's");
  }
  assert.deepEqual(errors, []);
  await page.context().close();
});
