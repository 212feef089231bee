/** The server half of the service benchmark, in its own process: prints nothing, reports its URL over IPC. */
import { join } from "node:path";
import { openAdvisoryStore } from "../src/advisories/store.js";
import { openServiceDatabase } from "../src/db/service/open.js";
import { buildApp } from "../src/server/app.js";
import { Exports } from "../src/service/exports.js";
import { loadMasterKey } from "../src/service/keys.js";
import { VigilService } from "../src/service/service.js";

const [dataDir, url] = process.argv.slice(2) as [string, string];
const store = openAdvisoryStore(dataDir);
const database = await openServiceDatabase({ dataDir, ...(url ? { url } : {}) });
const service = new VigilService(database, store, loadMasterKey(dataDir), { region: "local" });
const app = buildApp({ service, exports: new Exports(service, join(dataDir, "reports")) });
const address = await app.listen({ host: "127.0.0.1", port: 0 });
process.send?.({ url: address });
process.once("SIGTERM", () => {
  void app
    .close()
    .then(() => database.close())
    .then(() => process.exit(0));
});
