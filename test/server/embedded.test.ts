/** The server suite on the embedded defaults: SQLite (WAL) in the data dir and the content-addressed blob folder. */
import { describeServerSuite } from "./suite.js";

describeServerSuite("SQLite + folder (embedded defaults)", () => ({}));
