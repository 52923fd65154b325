/** Runs the CLI from source (node --import tsx test/server/cli-entry.ts ARGS…), for tests that spawn it. */
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
