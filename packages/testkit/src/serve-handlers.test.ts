import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { serveHandlers } from "./serve-handlers.js";

describe("serveHandlers", () => {
  it("serves msw handlers on a real loopback socket and closes", async () => {
    const served = await serveHandlers([
      http.get("*/v2/", () =>
        HttpResponse.json({}, { headers: { "Docker-Distribution-Api-Version": "registry/2.0" } }),
      ),
      http.post("*/echo", async ({ request }) =>
        HttpResponse.text(`${request.headers.get("x-n")}:${await request.text()}`),
      ),
    ]);
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${served.url}/v2/`);
      expect(res.status).toBe(200);
      expect(res.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
      expect(res.headers.get("x-powered-by")).toBeNull();
      const echo = await fetch(`${served.url}/echo`, { method: "POST", headers: { "x-n": "1" }, body: "hi" });
      expect(await echo.text()).toBe("1:hi");
      const missing = await fetch(`${served.url}/nothing`);
      expect(missing.status).toBe(501);
      expect(await missing.text()).toBe(`no msw handler for GET ${served.url}/nothing\n`);
      expect(served.unhandled).toEqual([`GET ${served.url}/nothing`]);
    } finally {
      await served.close();
    }
    await expect(fetch(`${served.url}/v2/`)).rejects.toThrow();
  });
});
