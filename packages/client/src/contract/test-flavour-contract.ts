/**
 * The contract every registry flavour is held to: the REAL client (connect → transport → auth) talking to a
 * flavour's msw handlers through `createMswDispatcher`, so each answer is the one that registry gives (see the
 * sources at the top of packages/testkit/src/flavours/*.ts). One `*.test.ts` per flavour calls
 * {@link describeFlavourContract} and adds what only that registry does.
 */
import {
  createMswDispatcher,
  createRegistryHandlers,
  fakeRepository,
  type GeneratedImage,
  type GeneratedIndex,
  generateImage,
  generateIndex,
  MswUnhandledRequestError,
  type RegistryFlavour,
  type RegistryHandlers,
  type TokenRequestRecord,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type AuthenticationError,
  AuthorizationError,
  type ConnectOptions,
  connect,
  DigestMismatchError,
  NotFoundError,
  type RegistryClient,
  TooManyRequestsError,
} from "../index.js";

type RequestHandler = Parameters<typeof createMswDispatcher>[0][number];

/** What a registry answers; `message` is matched as a substring. */
export interface ExpectedError {
  kind: typeof NotFoundError | typeof AuthenticationError | typeof AuthorizationError;
  code: string;
  message?: string;
}

/** What a schema-2-only client gets for an index asked for by tag. */
export type Schema2Answer = { child: "linux/amd64" } | ExpectedError;

/** How one registry flavour behaves, as the shared contract tests check it. */
export interface FlavourContract {
  flavour: RegistryFlavour;
  /** What a user passes to `connect`: `docker.io`, `ghcr.io`, `harbor.example`. */
  registry: string;
  /** The repository as the API names it (`library/alpine`). */
  repository: string;
  /** The repository as a user writes it (`alpine`); default `repository`. */
  familiar?: string;
  /** Credentials and other connect options. */
  options?: ConnectOptions;
  /** The token request of a pull (`{ service, user }`), or `basic` for registries that take Basic credentials. */
  auth: { service: string | undefined; user: string | undefined } | "basic";
  /** Tag pages: as asked with `n`, or the registry's own page size when the client asks none. */
  pages: { n: number } | { defaultSize: number };
  /** The query parameter that carries the cursor in the registry's next links (`last`, `next_page`). */
  cursor: string;
  unknownTag: ExpectedError;
  unknownRepository: ExpectedError;
  /** Answers to a client that accepts only Docker schema 2, for an OCI index and a Docker manifest list. */
  schema2Only: { ociIndex: Schema2Answer; dockerList: Schema2Answer };
  /** How many tags the repository gets besides `1.0` and `list` (default 5). */
  tagCount?: number;
}

/** A 404 the client reports as NotFoundError with the registry's code. */
export function notFound(code: string, message?: string): ExpectedError {
  return { kind: NotFoundError, code, ...(message ? { message } : {}) };
}

/**
 * distribution's answers to a schema-2-only client (Docker Hub, GHCR, Quay, ECR and Harbor serve the same): an OCI
 * index is not found, a Docker manifest list by tag becomes its linux/amd64 image.
 */
export function distributionSchema2(
  message = "OCI index found, but accept header does not support OCI indexes",
): FlavourContract["schema2Only"] {
  return { ociIndex: notFound("MANIFEST_UNKNOWN", message), dockerList: { child: "linux/amd64" } };
}

/** Options of {@link openFlavour}: another flavour variant, connect options, handlers to leave out. */
export interface OpenOptions {
  flavour?: RegistryFlavour;
  connect?: ConnectOptions;
  drop?: (h: RequestHandler) => boolean;
}

/** What a flavour's own tests get from {@link describeFlavourContract}. */
export interface FlavourKit {
  open(options?: OpenOptions): Promise<OpenFlavour>;
  fixtures(): ContractFixtures;
}

/** The images every flavour serves. */
export interface ContractFixtures {
  index: GeneratedIndex;
  dockerList: GeneratedIndex;
  image: GeneratedImage;
  tags: string[];
}

/** Everything a test gets from {@link openFlavour}. */
export interface OpenFlavour {
  handlers: RegistryHandlers;
  dispatcher: ReturnType<typeof createMswDispatcher>;
  reg: RegistryClient;
  logs: string[];
}

const opened: RegistryClient[] = [];

/** Builds the fixtures: an OCI index (3 platforms), a Docker manifest list, and `tagCount` tags on one image. */
export async function contractFixtures(tagCount: number): Promise<ContractFixtures> {
  const [index, dockerList, image] = await Promise.all([
    generateIndex({ platforms: ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"], mediaTypes: "oci" }),
    generateIndex({ platforms: ["linux/amd64", "linux/arm64/v8"], mediaTypes: "docker", seed: "list" }),
    generateImage({ layers: [2048], mediaTypes: "docker", seed: "tags" }),
  ]);
  const tags = Array.from({ length: tagCount }, (_, i) => `v${String(i).padStart(3, "0")}`);
  return { index, dockerList, image, tags };
}

/**
 * Fresh handlers of `flavour` holding the fixtures under `repository`, and a connected client that reaches them only
 * through the msw dispatcher. Clients are closed after each test.
 */
export async function openFlavour(
  spec: FlavourContract,
  fixtures: ContractFixtures,
  options: OpenOptions = {},
): Promise<OpenFlavour> {
  const tagged = Object.fromEntries(fixtures.tags.map((t) => [t, fixtures.image]));
  const repos = {
    [spec.repository]: fakeRepository({ ...tagged, "1.0": fixtures.index, list: fixtures.dockerList }),
  };
  const handlers = createRegistryHandlers(options.flavour ?? spec.flavour, { repos });
  const dispatcher = createMswDispatcher(options.drop ? handlers.filter((h) => !options.drop!(h)) : handlers);
  const logs: string[] = [];
  const reg = await connect(spec.registry, {
    dispatcher,
    logger: (line) => logs.push(line),
    ...spec.options,
    ...options.connect,
  });
  opened.push(reg);
  return { handlers, dispatcher, reg, logs };
}

/** The error's cause chain, outermost first. */
export function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e && chain.length < 8; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

/** Asserts a typed error as the registry's answer maps to it. */
export async function expectError(promise: Promise<unknown>, expected: ExpectedError): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(expected.kind);
  expect(error).toMatchObject({ code: expected.code });
  if (expected.message) expect((error as Error).message).toContain(expected.message);
}

function tokenRequestsOf(
  handlers: RegistryHandlers,
): Pick<TokenRequestRecord, "service" | "user" | "scopes">[] {
  return handlers.tokenRequests.map(({ service, user, scopes }) => ({ service, user, scopes }));
}

/** The shared contract of one flavour, then `only(kit)`: what that registry alone does, in its own `describe`. */
export function describeFlavourContract(spec: FlavourContract, only?: (kit: FlavourKit) => void): void {
  const name = spec.familiar ?? spec.repository;
  const getFixtures = useContractFixtures(spec.tagCount ?? 5);
  const open = (options?: OpenOptions) => openFlavour(spec, getFixtures(), options);

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((reg) => reg.close()));
  });

  describe(`${spec.flavour.name}: the contract`, () => {
    it("pings, learns the challenge, and authenticates a pull as the registry wants", async () => {
      const { handlers, reg } = await open();
      // connect() pinged once without credentials; given credentials, it then checked them with one authenticated
      // GET /v2/ (the check's own ping is answered from the transport's ping cache, not sent again).
      const connectPings = handlers.requests.filter((r) => r.method === "GET" && r.path === "/v2/");
      const credentialed = spec.auth === "basic" || spec.auth.user !== undefined;
      expect(connectPings.map((r) => r.authorized)).toEqual(credentialed ? [false, true] : [false]);
      const ping = await reg.ping();
      expect(ping.status).toBe(401);
      const tags = await reg.tags(name);
      expect(tags.name).toBe(spec.repository);
      await reg.manifest(`${name}:1.0`);
      if (spec.auth === "basic") {
        expect(reg.whoami().scheme).toBe("basic");
        expect(handlers.tokenRequests).toEqual([]);
        // The ping taught the scheme, so every later request carried credentials from the start.
        expect(handlers.requests.slice(1).every((r) => r.authorized && r.status === 200)).toBe(true);
      } else {
        expect(reg.whoami().scheme).toBe("bearer");
        // connect() checks the credentials with a token for no scope (as `docker login` does); then one token for
        // the repository's pull scope serves the tag list and the manifest.
        expect(tokenRequestsOf(handlers)).toEqual([
          ...(spec.auth.user ? [{ service: spec.auth.service, user: spec.auth.user, scopes: [] }] : []),
          {
            service: spec.auth.service,
            user: spec.auth.user,
            scopes: [`repository:${spec.repository}:pull`],
          },
        ]);
      }
    });

    it("lists every tag, following the registry's next links", async () => {
      const { handlers, reg } = await open();
      const { tags } = getFixtures();
      const all = ["1.0", "list", ...tags].sort();
      const n = "n" in spec.pages ? spec.pages.n : undefined;
      const pages: string[][] = [];
      for await (const page of reg.tagPages(name, n ? { n } : {})) pages.push(page.tags);
      const size = n ?? (spec.pages as { defaultSize: number }).defaultSize;
      expect(pages.flat()).toEqual(all);
      expect(pages).toHaveLength(Math.ceil(all.length / size));
      const paths = handlers.requests.filter((r) => r.path.includes("/tags/list")).map((r) => r.path);
      expect(paths.slice(1).every((p) => p.includes(`${spec.cursor}=`))).toBe(true);
      expect(await reg.allTags(name)).toEqual(all);
    });

    it("gets an index with its exact bytes and resolves linux/arm64/v8", async () => {
      const { reg } = await open();
      const { index } = getFixtures();
      const got = await reg.manifest(`${name}:1.0`);
      expect(got.kind).toBe("index");
      expect(got.digest).toBe(index.index.digest);
      expect(Buffer.from(got.bytes).equals(index.index.bytes)).toBe(true);
      const arm = await reg.resolve(`${name}:1.0`, "linux/arm64/v8");
      expect(arm.digest).toBe(index.children[1]!.manifest.digest);
      expect(arm.index?.digest).toBe(index.index.digest);
      expect(arm.platform).toBe("linux/arm64/v8");
    });

    it("gets a digest by HEAD, and by GET when a HEAD lacks Docker-Content-Digest", async () => {
      const { index } = getFixtures();
      const withHeader = await open();
      expect(await withHeader.reg.digest(`${name}:1.0`)).toBe(index.index.digest);
      expect(
        withHeader.handlers.requests.filter((r) => r.path.includes("/manifests/")).map((r) => r.method),
      ).toEqual(["HEAD"]);
      const flavour = { ...spec.flavour, digestHeader: { ...spec.flavour.digestHeader, head: false } };
      const without = await open({ flavour });
      expect(await without.reg.digest(`${name}:1.0`)).toBe(index.index.digest);
      expect(
        without.handlers.requests.filter((r) => r.path.includes("/manifests/")).map((r) => r.method),
      ).toEqual(["HEAD", "GET"]);
    });

    it("downloads a blob verified against its digest, and refuses one that is not", async () => {
      const { handlers, reg } = await open();
      const layer = getFixtures().index.children[0]!.layers[0]!;
      expect((await reg.blob(name, layer.digest).bytes()).equals(layer.bytes)).toBe(true);
      const tampered = Buffer.from(layer.bytes);
      tampered[tampered.length - 1]! ^= 0xff;
      handlers.store.repository(spec.repository)!.blobs.set(layer.digest, tampered);
      await expect(reg.blob(name, layer.digest).bytes()).rejects.toBeInstanceOf(DigestMismatchError);
    });

    it("maps unknown tags and repositories to the registry's errors", async () => {
      const { reg } = await open();
      await expectError(reg.manifest(`${name}:no-such-tag`), spec.unknownTag);
      await expectError(reg.tags(`${name}-missing`), spec.unknownRepository);
    });

    it("maps 403 DENIED to AuthorizationError without retrying", async () => {
      const { handlers, reg } = await open();
      handlers.inject({ route: "manifest", status: 403, error: { code: "DENIED" } });
      await expectError(reg.manifest(`${name}:1.0`), {
        kind: AuthorizationError,
        code: "DENIED",
        message: spec.flavour.messages.DENIED,
      });
      expect(handlers.requests.filter((r) => r.status === 403)).toHaveLength(1);
    });

    it("retries 429 TOOMANYREQUESTS after Retry-After, then gives up with TooManyRequestsError", async () => {
      // A backoff this long would time the test out: the delays seen are Retry-After's.
      const retry = { baseDelayMs: 60_000, maxDelayMs: 60_000 };
      const { handlers, reg, logs } = await open({ connect: { retry } });
      const tooMany = { route: "manifest", status: 429, error: { code: "TOOMANYREQUESTS" } } as const;
      handlers.inject({ ...tooMany, times: 2, headers: { "Retry-After": "0" } });
      expect((await reg.manifest(`${name}:1.0`)).kind).toBe("index");
      expect(logs.filter((l) => /retry \d\/3 in 0ms: 429/.test(l))).toHaveLength(2);
      handlers.inject({ ...tooMany, times: 4, headers: { "Retry-After": "0" } });
      await expectError(reg.manifest(`${name}:1.0`), { kind: TooManyRequestsError, code: "TOOMANYREQUESTS" });
      expect(handlers.requests.filter((r) => r.status === 429)).toHaveLength(6);
    });

    it("answers a schema-2-only client asking for an index as the registry does", async () => {
      const { reg } = await open();
      const { dockerList } = getFixtures();
      for (const [tag, answer] of [
        ["1.0", spec.schema2Only.ociIndex],
        ["list", spec.schema2Only.dockerList],
      ] as const) {
        const asked = reg.manifest(`${name}:${tag}`, { accept: "schema2" });
        if ("child" in answer) {
          const got = await asked;
          expect(got.kind).toBe("image");
          expect(got.digest).toBe(dockerList.children[0]!.manifest.digest);
        } else {
          await expectError(asked, answer);
        }
      }
    });

    it("fails with MswUnhandledRequestError when the manifest handler is removed (the tests do intercept)", async () => {
      const info = (h: RequestHandler) => h.info as { method?: unknown; path?: unknown };
      const drop = (h: RequestHandler) =>
        // The GET manifest route, and the catch-all that would answer it with a 404.
        (info(h).method === "GET" && String(info(h).path).includes("manifests")) ||
        info(h).method instanceof RegExp;
      const { dispatcher, reg } = await open({ drop });
      const error = await reg.manifest(`${name}:1.0`).catch((e: unknown) => e);
      expect(causes(error).some((e) => e instanceof MswUnhandledRequestError)).toBe(true);
      expect(dispatcher.unhandled.some((u) => u.startsWith("GET ") && u.includes("/manifests/1.0"))).toBe(
        true,
      );
    });
  });

  if (only) describe(`${spec.flavour.name}: what only it does`, () => only({ open, fixtures: getFixtures }));
}

/** Registers the fixtures in `beforeAll` and returns their getter. */
export function useContractFixtures(tagCount: number): () => ContractFixtures {
  let fixtures: ContractFixtures | undefined;
  beforeAll(async () => {
    fixtures = await contractFixtures(tagCount);
  });
  return () => {
    if (!fixtures) throw new Error("contract fixtures read before beforeAll");
    return fixtures;
  };
}
