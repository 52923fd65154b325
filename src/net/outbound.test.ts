import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDestination, deniedRange, outboundFetch, outboundGetFollowing, parseAllowlist } from "./outbound.js";

describe("outbound address checks", () => {
  it("denies every internal range, in every spelling", () => {
    for (const a of [
      "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "169.254.1.1",
      "0.0.0.0", "100.64.0.1", "::1", "::", "fc00::1", "fd12::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:169.254.169.254",
      "::ffff:a9fe:a9fe", "64:ff9b::10.0.0.1", "2002:7f00:1::", "::127.0.0.1", "ff02::1", "224.0.0.1", "255.255.255.255",
    ]) {
      expect(deniedRange(a), a).toBeDefined();
    }
    expect(deniedRange("169.254.169.254")).toContain("metadata");
    for (const a of ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:0808:0808::"]) {
      expect(deniedRange(a), a).toBeUndefined();
    }
  });

  it("refuses internal destinations unless an allowlist names them; a name is checked on every answer", async () => {
    await expect(checkDestination(new URL("http://127.0.0.1:1/"))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(checkDestination(new URL("http://[::ffff:127.0.0.1]/"))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(checkDestination(new URL("http://169.254.169.254/latest/meta-data/"))).rejects.toThrow(/cloud metadata/);
    const resolve = async (h: string) => (h === "mixed.test" ? [{ address: "93.184.216.34", family: 4 }, { address: "10.1.2.3", family: 4 }] : [{ address: "93.184.216.34", family: 4 }]);
    await expect(checkDestination(new URL("http://mixed.test/"), { resolve })).rejects.toThrow(/10\.1\.2\.3/);
    await expect(checkDestination(new URL("http://public.test/"), { resolve })).resolves.toEqual({ address: "93.184.216.34", family: 4 });
    expect(await checkDestination(new URL("http://127.0.0.1:1/"), { allow: parseAllowlist(["127.0.0.1"]) })).toEqual({ address: "127.0.0.1", family: 4 });
    expect(await checkDestination(new URL("http://10.9.9.9/"), { allow: parseAllowlist(["10.0.0.0/8"]) })).toMatchObject({ address: "10.9.9.9" });
    await expect(checkDestination(new URL("http://127.0.0.2/"), { allow: parseAllowlist(["127.0.0.1"]) })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(() => parseAllowlist(["http://x/"])).toThrow(/--allow-internal-host/);
  });

  describe("on loopback", () => {
    let server: Server;
    let port: number;
    const hosts: string[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        hosts.push(req.headers.host ?? "");
        if (req.url === "/redirect-internal") return void res.writeHead(302, { location: "http://127.0.0.2:1/secret" }).end();
        if (req.url === "/redirect-metadata") return void res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
        res.writeHead(200).end("ok");
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));
    const allow = parseAllowlist(["127.0.0.1"]);

    it("connects to the address it checked (pinned), not to a second DNS answer", async () => {
      let calls = 0;
      // A rebinding resolver: the first answer is the allowed address, any later one would be another.
      const resolve = async () => (calls++ === 0 ? [{ address: "127.0.0.1", family: 4 }] : [{ address: "10.0.0.1", family: 4 }]);
      const res = await outboundFetch(`http://rebind.test:${port}/`, { allow, resolve });
      expect(await res.text()).toBe("ok");
      expect(calls).toBe(1);
      expect(hosts.at(-1)).toBe(`rebind.test:${port}`);
    });

    it("checks every redirect hop", async () => {
      await expect(outboundGetFollowing(`http://127.0.0.1:${port}/redirect-internal`, { allow })).rejects.toThrow(/127\.0\.0\.2.*internal address/);
      await expect(outboundGetFollowing(`http://127.0.0.1:${port}/redirect-metadata`, { allow })).rejects.toThrow(/cloud metadata/);
      await expect(outboundFetch(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({ code: "FORBIDDEN" });
      expect((await outboundGetFollowing(`http://127.0.0.1:${port}/`, { allow })).status).toBe(200);
    });
  });
});
