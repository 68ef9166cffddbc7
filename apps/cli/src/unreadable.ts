// The wording of why a local file could not be read has one home, beside the reader of user-named files.
export { whyUnreadable } from "@regatta/errors/user-file";
