/**
 * One gate-server node in its own process, for the multi-node test: `node --import tsx server-node.ts '<ServerConfig
 * JSON>'` calls createServer(config), prints `READY <url>` and serves until SIGTERM (graceful close) or SIGKILL.
 */
import { createServer } from "../../src/server/app.js";
import type { ServerConfig } from "../../src/server/config.js";

const config = JSON.parse(process.argv[2] ?? "{}") as ServerConfig;
const server = await createServer(config);
process.stdout.write(`READY ${server.url}\n`);
process.once("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
