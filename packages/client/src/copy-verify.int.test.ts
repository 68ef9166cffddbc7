import { type FaultProxy, generateImage, pushImage, startFaultProxy, useRegistry } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, DigestMismatchError, RegistryError } from "./index.js";

describe("copy from a source that serves tampered blobs", () => {
  const source = useRegistry("none");
  const target = useRegistry("none");
  let proxy: FaultProxy;

  beforeAll(async () => {
    await pushImage(source.url, "src/app", "1", await generateImage({ layers: [4096] }));
    // Every blob and manifest by digest served with its last byte flipped.
    proxy = await startFaultProxy(source.url, [
      {
        method: "GET",
        path: /\/(blobs|manifests)\/sha256:/,
        times: Number.POSITIVE_INFINITY,
        fault: { type: "corrupt", at: -1 },
      },
    ]);
  });
  afterAll(() => proxy.close());

  it("is refused while streaming (DigestMismatchError) and leaves no tag at the target", async () => {
    const reg = createClient(target.host);
    const err = await reg.copy(`${proxy.host}/src/app:1`, `${target.host}/dst/app:1`).catch((e) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    await expect(reg.digest(`${target.host}/dst/app:1`)).rejects.toMatchObject({ status: 404 });
    await reg.close();
  });

  it("with verify: false the target registry refuses the blob instead, and no tag is written either", async () => {
    const reg = createClient(target.host);
    const err = await reg
      .copy(`${proxy.host}/src/app:1`, `${target.host}/dst/other:1`, { verify: false })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.code).toBe("DIGEST_INVALID");
    await expect(reg.digest(`${target.host}/dst/other:1`)).rejects.toMatchObject({ status: 404 });
    await reg.close();
  });
});
