import { configDefaults } from "vitest/config";
import { regattaProject } from "../../vitest.project.ts";
import { memoryTests } from "./vitest.memory.config.ts";

// The memory tests run in their own isolated project (vitest.memory.config.ts); everything else shares a worker.
export default regattaProject("client", { exclude: [...configDefaults.exclude, ...memoryTests] });
