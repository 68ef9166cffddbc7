import { regattaProject } from "../../vitest.project.ts";

export default regattaProject("present");
