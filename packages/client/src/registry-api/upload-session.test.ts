/**
 * upload-session.ts: reading where an upload session stands and cancelling it
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs-in-chunks): the Range a
 * registry answers, the Location to go on with, and the requests themselves.
 */
import { Readable } from "node:stream";
import { ProtocolError } from "@regatta/errors";
import type { RegistryRequest, RegistryResponse } from "@regatta/transport";
import { describe, expect, it } from "vitest";
import {
  cancelUpload,
  heldBytes,
  locationOf,
  type RequestFn,
  UploadLocations,
  uploadStatus,
  withDigest,
} from "./upload-session.js";

const SESSION = "http://127.0.0.1:5000/v2/r/blobs/uploads/abc?_state=1";

/** A registry answer with `headers`, as the transport hands it over. */
function answer(status: number, headers: Record<string, string>, url = SESSION) {
  let dumped = 0;
  const response = {
    status,
    headers,
    url,
    body: Readable.from([]),
    dump: async () => void dumped++,
  } as unknown as RegistryResponse;
  return { response, dumped: () => dumped };
}

/** The session that SESSION names, as the answer to its POST opened it. */
const session = () =>
  new UploadLocations(
    "h",
    "r",
    answer(202, { location: SESSION }, "http://127.0.0.1:5000/v2/r/blobs/uploads/").response,
    "t",
  );

/** A request function that records what it is asked and answers `response`. */
function answering(response: RegistryResponse) {
  const asked: RegistryRequest[] = [];
  const request: RequestFn = async (r) => {
    asked.push(r);
    return response;
  };
  return { request, asked };
}

describe("locationOf", () => {
  it("resolves a relative Location against the URL that answered; an absolute one stays", () => {
    const relative = answer(
      202,
      { location: "/v2/r/blobs/uploads/1?_state=x" },
      "http://h:1/v2/r/blobs/uploads/",
    );
    expect(locationOf(relative.response, "t")).toBe("http://h:1/v2/r/blobs/uploads/1?_state=x");
    const absolute = answer(202, { location: "https://other/u/2" }, "http://h:1/v2/r/blobs/uploads/");
    expect(locationOf(absolute.response, "t")).toBe("https://other/u/2");
  });

  it("an answer without a Location is a ProtocolError saying what and which status", () => {
    const bare = answer(202, {});
    expect(() => locationOf(bare.response, "push blob to h/r")).toThrow(
      new ProtocolError("push blob to h/r: registry answered 202 without a Location header"),
    );
    expect(() => locationOf(bare.response, "t")).toThrow(ProtocolError);
  });
});

describe("withDigest", () => {
  it("adds ?digest= and keeps the session's own query (distribution's _state)", () => {
    expect(withDigest(SESSION, "sha256:ab")).toBe(`${SESSION}&digest=sha256%3Aab`);
    expect(withDigest("http://h/u/1", "sha256:ab")).toBe("http://h/u/1?digest=sha256%3Aab");
  });

  it("replaces a digest the Location already carries instead of sending two", () => {
    expect(withDigest("http://h/u/1?digest=sha256:old", "sha256:new")).toBe(
      "http://h/u/1?digest=sha256%3Anew",
    );
  });
});

describe("heldBytes", () => {
  it.each([
    ["0-9", 0, 10],
    ["bytes=0-9", 0, 10],
    [" 0-1 ", 0, 2],
    ["0-0", 0, 0], // distribution's empty session
    ["0-0", 1, 1], // one byte the registry had acknowledged
    ["0-0", 2, 0],
    ["0-4095", 1, 4096],
  ])("Range %j (acknowledged %i) holds %i bytes", (range, acknowledged, held) => {
    expect(heldBytes(range, acknowledged)).toBe(held);
  });

  it("an empty session by default", () => {
    expect(heldBytes("0-0")).toBe(0);
  });

  it.each([undefined, "", "1-9", "0-", "0-9x", "x0-9", "bytes 0-9", "0-9/10"])(
    "an unreadable Range %j says nothing",
    (range) => {
      expect(heldBytes(range)).toBeUndefined();
    },
  );
});

describe("uploadStatus", () => {
  it("GETs the session with push access and reads its Range and fresh Location", async () => {
    const status = answer(204, { range: "0-99", location: "/v2/r/blobs/uploads/abc?_state=2" });
    const { request, asked } = answering(status.response);
    const signal = new AbortController().signal;
    const result = await uploadStatus(request, {
      registry: "h",
      repository: "r",
      location: session(),
      signal,
    });
    expect(result).toEqual({
      location: "http://127.0.0.1:5000/v2/r/blobs/uploads/abc?_state=2",
      offset: 100,
    });
    expect(asked).toEqual([
      {
        registry: "h",
        method: "GET",
        url: SESSION,
        scopes: [{ type: "repository", name: "r", actions: ["pull", "push"] }],
        context: "check upload to h/r",
        expect: [204, 200],
        signal,
      },
    ]);
    expect(status.dumped()).toBe(1);
  });

  it("keeps the Location it had when the answer gives none; one acknowledged byte reads 0-0 as one", async () => {
    const { request, asked } = answering(answer(200, { range: "0-0" }).response);
    const result = await uploadStatus(request, {
      registry: "h",
      repository: "r",
      location: session(),
      acknowledged: 1,
      context: "mine",
    });
    expect(result).toEqual({ location: SESSION, offset: 1 });
    expect(asked[0]?.context).toBe("mine");
    expect(asked[0]).not.toHaveProperty("signal");
  });

  it("takes the answer's Location only after the session's rules: a manifest on the registry is refused", async () => {
    const status = answer(204, { range: "0-9", location: "/v2/r/manifests/latest" });
    const location = session();
    const err = await uploadStatus(answering(status.response).request, {
      registry: "h",
      repository: "r",
      location,
    }).catch((e) => e);
    expect(err).toMatchObject({ name: "ProtocolError", code: "BAD_LOCATION" });
    expect(location.location).toBe(SESSION); // a cancel still goes where the session legitimately was
  });

  it("an answer that does not say how much it holds is a ProtocolError quoting the Range", async () => {
    const missing = answer(204, {});
    const err = await uploadStatus(answering(missing.response).request, {
      registry: "h",
      repository: "r",
      location: session(),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toBe(
      "check upload to h/r: the registry did not say how much of the upload it holds (Range: missing)",
    );
    expect(missing.dumped()).toBe(1);
    const odd = await uploadStatus(answering(answer(204, { range: "5-9" }).response).request, {
      registry: "h",
      repository: "r",
      location: session(),
    }).catch((e) => e);
    expect(odd.message).toContain("(Range: 5-9)");
  });
});

describe("cancelUpload", () => {
  it("DELETEs the session, a session already gone (404) counting as cancelled", async () => {
    const gone = answer(404, {});
    const { request, asked } = answering(gone.response);
    const signal = new AbortController().signal;
    await cancelUpload(request, { registry: "h", repository: "r", location: session(), signal });
    expect(asked).toEqual([
      {
        registry: "h",
        method: "DELETE",
        url: SESSION,
        scopes: [{ type: "repository", name: "r", actions: ["pull", "push"] }],
        context: "cancel upload to h/r",
        expect: [204, 200, 202, 404],
        signal,
      },
    ]);
    expect(gone.dumped()).toBe(1);
  });

  it("says what it cancels when told, and sends no signal it was not given", async () => {
    const { request, asked } = answering(answer(204, {}).response);
    await cancelUpload(request, { registry: "h", repository: "r", location: session(), context: "mine" });
    expect(asked[0]?.context).toBe("mine");
    expect(asked[0]).not.toHaveProperty("signal");
  });
});
