// Browser test: the served page loads the wasm engine and shows its version.
//
// Run by `cargo xtask test`, which builds ../pkg and dist/, serves dist/ on a free port and
// sets QOFRULES_URL (the page) and QOFRULES_VERSION (the crate version the page must show).
// Chromium is Debian's (/usr/bin/chromium, or CHROMIUM_PATH), driven by playwright-core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { requireEnv, screenshot, useBrowser } from "./helpers.mjs";

const browser = useBrowser();

test("the page loads the wasm engine and shows its version", async () => {
  const url = requireEnv("QOFRULES_URL");
  const expected = requireEnv("QOFRULES_VERSION");
  const page = await browser.newPage();
  const pageErrors = [];
  page.on("pageerror", (err) => pageErrors.push(err.message));
  const wasmResponses = [];
  page.on("response", (res) => {
    if (res.url().endsWith(".wasm")) {
      wasmResponses.push({ status: res.status(), type: res.headers()["content-type"] });
    }
  });

  await page.goto(url);
  const version = page.locator("#version");
  await page.waitForSelector('#version:is([data-state="ready"], [data-state="error"])', {
    timeout: 30_000,
  });
  await screenshot(page, "version");

  assert.deepEqual(pageErrors, [], "the page threw errors");
  assert.equal(await version.getAttribute("data-state"), "ready", await version.textContent());
  assert.equal(await version.textContent(), expected);
  // the module was fetched once, with the MIME type streaming instantiation needs
  assert.deepEqual(wasmResponses, [{ status: 200, type: "application/wasm" }]);
});
