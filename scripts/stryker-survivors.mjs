// A Stryker reporter that appends each surviving or uncovered mutant to .reports/mutation/<package>.survivors.txt
// as soon as it is known, so the tests that kill them can be written while a long run goes on (docs/testing.md).
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";

class SurvivorsReporter {
  static inject = [];
  file = `.reports/mutation/${process.env.REGATTA_MUTATION_LABEL || process.env.REGATTA_MUTATION_PACKAGE || "all"}.survivors.txt`;

  onDryRunCompleted() {
    mkdirSync(".reports/mutation", { recursive: true });
    writeFileSync(this.file, "");
  }

  /** @param {import("@stryker-mutator/api/core").MutantResult} mutant */
  onMutantTested(mutant) {
    if (mutant.status !== "Survived" && mutant.status !== "NoCoverage") return;
    const { line, column } = mutant.location.start;
    const where = `${mutant.fileName}:${line}:${column}`;
    appendFileSync(this.file, `[${mutant.status}] ${mutant.mutatorName} ${where}: ${mutant.replacement}\n`);
  }
}

// What declareClassPlugin(PluginKind.Reporter, …) of @stryker-mutator/api returns, without depending on that package.
export const strykerPlugins = [{ kind: "Reporter", name: "survivors", injectableClass: SurvivorsReporter }];
