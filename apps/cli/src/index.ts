export { EXIT, exitCodeFor } from "./exit-codes.js";
export { buildProgram, run, VERSION } from "./program.js";
