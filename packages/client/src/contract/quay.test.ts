import { quayBareLinkFlavour, quayFlavour } from "@regatta/testkit";
import { expect, it } from "vitest";
import {
  describeFlavourContract,
  distributionSchema2,
  type FlavourContract,
  notFound,
} from "./test-flavour-contract.js";

const spec: FlavourContract = {
  tagCount: 118,
  flavour: quayFlavour,
  registry: "quay.io",
  repository: "coreos/etcd",
  options: { anonymous: true },
  auth: { service: "quay.io", user: undefined },
  // Quay pages by itself, 50 tags at a time, with an opaque next_page token.
  pages: { defaultSize: 50 },
  cursor: "next_page",
  unknownTag: notFound("MANIFEST_UNKNOWN"),
  unknownRepository: notFound("NAME_UNKNOWN"),
  schema2Only: distributionSchema2(),
};

describeFlavourContract(spec, ({ open }) => {
  it("hands out the next page as an opaque next_page link, never rebuilt from `last`", async () => {
    const { reg } = await open();
    const first = await reg.tags("coreos/etcd");
    expect(first.tags).toHaveLength(50);
    expect(first.next).toMatch(/^\/v2\/coreos\/etcd\/tags\/list\?next_page=gAAAAAB[\w-]+(%3D)*&n=50$/);
    expect(first.last).toBe(first.tags.at(-1));
    const second = await reg.tags("coreos/etcd", { next: first.next! });
    expect(second.tags[0]! > first.tags.at(-1)!).toBe(true);
  });

  it("follows a Link header without angle brackets", async () => {
    const { handlers, reg } = await open({ flavour: quayBareLinkFlavour });
    const first = await reg.tags("coreos/etcd");
    expect(first.next).toMatch(/^\/v2\/coreos\/etcd\/tags\/list\?next_page=/);
    expect(await reg.allTags("coreos/etcd")).toHaveLength(120);
    expect(handlers.requests.filter((r) => r.path.includes("next_page=")).length).toBeGreaterThanOrEqual(2);
  });

  it("asks /v2/auth for the request's own scope when the challenge names none", async () => {
    const { reg, logs } = await open();
    const ping = await reg.ping();
    expect(ping.challenge).toBe('Bearer realm="https://quay.io/v2/auth",service="quay.io"');
    await reg.tags("coreos/etcd");
    expect(logs.some((l) => l.includes("https://quay.io/v2/auth?service=quay.io&scope=repository"))).toBe(
      true,
    );
  });
});
