/**
 * A DELETE whose first attempt may have taken effect (its answer lost: a 503 from a proxy) and whose retry gets 404:
 * gone all the same (goneAfterDelete, delete-request.ts), as rmrepo counts it. A 404 to the first attempt is still
 * "no such thing" (QA faults5 #5).
 */
import { NotFoundError } from "@regatta/errors";
import { afterEach, describe, expect, it } from "vitest";
import { type AnsweringRegistry, answeringRegistry, json, rejection } from "./test-answering-registry.js";

const DIGEST = `sha256:${"a".repeat(64)}`;
const notFound = () => json({ errors: [{ code: "BLOB_UNKNOWN", message: "blob unknown" }] }, {}, 404);
const unavailable = () => json({ errors: [{ code: "UNAVAILABLE", message: "try again" }] }, {}, 503);

describe("a DELETE retried after an answer that was lost", () => {
  let registry: AnsweringRegistry | undefined;
  afterEach(async () => {
    await registry?.close();
    registry = undefined;
  });

  it("a 404 to the retry counts as deleted", async () => {
    let deletes = 0;
    registry = await answeringRegistry(() => (++deletes === 1 ? unavailable() : notFound()), {
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    await registry.reg.deleteBlob("team/app", DIGEST);
    expect(registry.seen.map((r) => r.method)).toEqual(["DELETE", "DELETE"]);
  });

  it("a 404 to the first attempt is not found", async () => {
    registry = await answeringRegistry(notFound, { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    await rejection(registry.reg.deleteBlob("team/app", DIGEST), NotFoundError);
    expect(registry.seen).toHaveLength(1);
  });
});
