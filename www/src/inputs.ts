// The "Other inputs" section (index.html, #inputs): the inputs `qofrules eval` and `compare`
// take besides a population, given to the engine as files that stay on this computer:
// published counts (NHS Digital's achievement, prevalence and structure files, run on instead
// of patients), a national prevalence file, attested items and historic achievement.
import type { Engine } from "./engine";
import type { InputsInfo, NamedText, PopulationInfo, Problem, Reply } from "./types";

function read(f: File): Promise<NamedText> {
  return f.text().then((text) => ({ name: f.name, text }));
}

function input(id: string): HTMLInputElement {
  return document.getElementById(id) as HTMLInputElement;
}

function problemsText(errors: Problem[]): string {
  return errors
    .map((p) => {
      const at = p.file ? ` (${p.file}${p.row ? `, row ${p.row}` : ""}${p.column ? `, column ${p.column}` : ""})` : "";
      return `${p.message}${at}${p.help ? ` — ${p.help}` : ""}`;
    })
    .join("; ");
}

/**
 * Wires the section: `afterPopulation` is told of published counts loaded (they replace the
 * population), `rerun` of any other input changed.
 */
export function setupInputs(
  engine: Engine,
  afterPopulation: (reply: Reply<PopulationInfo>) => Promise<void>,
  rerun: () => void,
): void {
  const status = document.getElementById("inputs-status") as HTMLOutputElement;
  const show = (reply: Reply<InputsInfo>): void => {
    if (!reply.ok) {
      status.dataset.state = "error";
      status.textContent = problemsText(reply.errors);
      return;
    }
    status.dataset.state = "ok";
    const given = [
      reply.national && `national prevalence: ${reply.national}`,
      reply.attested && `attested: ${reply.attested}`,
      reply.historic && `historic: ${reply.historic}`,
    ].filter(Boolean);
    status.textContent = given.length ? given.join("; ") : "no other inputs";
    rerun();
  };
  input("counts-files").addEventListener("change", async () => {
    const files = [...(input("counts-files").files ?? [])];
    if (files.length === 0) return;
    const texts: Record<string, string> = {};
    for (const f of files) texts[f.name] = (await read(f)).text;
    await afterPopulation(await engine.call("loadCounts", texts));
  });
  input("national-file").addEventListener("change", async () => {
    const f = input("national-file").files?.[0];
    show(await engine.call("setNational", f ? await read(f) : null));
  });
  const practice = async (): Promise<void> => {
    const a = input("attested-file").files?.[0];
    const h = input("historic-file").files?.[0];
    show(
      await engine.call("setPracticeInputs", {
        ...(a ? { attested: await read(a) } : {}),
        ...(h ? { historic: await read(h) } : {}),
      }),
    );
  };
  input("attested-file").addEventListener("change", practice);
  input("historic-file").addEventListener("change", practice);
  document.getElementById("inputs-clear")?.addEventListener("click", async () => {
    for (const id of ["national-file", "attested-file", "historic-file"]) input(id).value = "";
    await engine.call("setNational", null);
    show(await engine.call("setPracticeInputs", {}));
  });
}
