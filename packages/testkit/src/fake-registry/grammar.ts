/** The fake registry's route grammar, as distribution 2.8 spells it. */
// Route grammar of distribution (reference.NameRegexp, TagRegexp and digest.DigestRegexp). distribution writes
// the separator as `[-]*`; Go's RE2 does not mind, but in a backtracking engine the empty separator makes
// `/v2/a/blobs/uploads/<uuid>` take exponential time against the manifests route. `-+` matches the same names.
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
export const NAME = `${COMPONENT}(?:/${COMPONENT})*`;
export const DIGEST = "[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+";
export const REFERENCE = `[\\w][\\w.-]{0,127}|${DIGEST}`;
export const SHA256 = /^sha256:[a-f0-9]{64}$/;
/** What go-digest's Parse accepts (its registered algorithms), for the `digest` of an upload's closing PUT. */
export const GO_DIGEST = /^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;
