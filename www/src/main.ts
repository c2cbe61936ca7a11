import { loadEngine } from "./wasm";

function element(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (el === null) {
    throw new Error(`page is missing the #${id} element`);
  }
  return el;
}

async function main(): Promise<void> {
  const versionEl = element("version");
  try {
    const engine = await loadEngine();
    versionEl.textContent = engine.version();
    versionEl.dataset.state = "ready";
  } catch (err) {
    versionEl.textContent = `could not load the engine: ${String(err)}`;
    versionEl.dataset.state = "error";
    console.error(err);
  }
}

void main();
