import {
  createMswDispatcher,
  DEFAULT_USERS,
  distributionHandlers,
  fakeRepository,
  generateImage,
} from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { ReplSession } from "./session.js";

const HOME = "home.example";
const OTHER = "other.example";
const [[USER, PASSWORD]] = Object.entries(DEFAULT_USERS) as [[string, string]];

const open: ReplSession[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** A session for HOME, beside a second token registry OTHER (both msw fakes of distribution). */
async function twoRegistries(): Promise<ReplSession> {
  const image = await generateImage({ seed: "hosts" });
  const handlers = [HOME, OTHER].flatMap((host) =>
    distributionHandlers({
      host,
      auth: { type: "bearer" },
      repos: { "team/api": fakeRepository({ "1.0": image }) },
    }),
  );
  const s = new ReplSession(HOME, { dispatcher: createMswDispatcher(handlers) }, false, () => {});
  open.push(s);
  return s;
}

describe("ReplSession credentials are hosts", () => {
  it("a client for one registry carries the credentials given for another, for that one only", async () => {
    const s = await twoRegistries();
    s.setCredentials(OTHER, { username: USER, password: PASSWORD });
    const reg = s.open();
    expect((await reg.tags(`${OTHER}/team/api`)).tags).toEqual(["1.0"]);
    expect(reg.whoami(OTHER).username).toBe(USER);
    expect((await reg.tags("team/api")).tags).toEqual(["1.0"]);
    expect(reg.whoami(HOME).username).toBeUndefined();
  });

  it("credentials given to open() replace the remembered ones of that registry, and anonymous drops them", async () => {
    const s = await twoRegistries();
    s.setCredentials(HOME, { username: "mallory", password: "guess" });
    const reg = s.open(HOME, { username: USER, password: PASSWORD });
    expect((await reg.tags("team/api")).tags).toEqual(["1.0"]);
    expect(reg.whoami().username).toBe(USER);
    const anonymous = s.open(HOME, { anonymous: true });
    expect((await anonymous.tags("team/api")).tags).toEqual(["1.0"]);
    expect(anonymous.whoami().username).toBeUndefined();
  });
});
