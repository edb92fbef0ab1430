import { createApp } from "./app";
import { documentMaintenanceTasks } from "./documents/ingest.maintenance";
import { handleQueueBatch } from "./documents/ingest.queue";
import { type MaintenanceTask, runMaintenance } from "./maintenance/maintenance";
import { setLogLevel } from "./observability/log";
import { embeddingCacheEviction } from "./providers/embedding/cache.maintenance";

export { SessionMemory } from "../durable-objects/session";
export { VectorShard } from "../durable-objects/vector-shard";

const app = createApp();

/** Periodic tasks run by the cron trigger (and once at `npm start`). */
const maintenanceTasks: MaintenanceTask[] = [embeddingCacheEviction(), ...documentMaintenanceTasks()];

export default {
  fetch(request, env, ctx) {
    setLogLevel(env.LOG_LEVEL);
    return app.fetch(request, env, ctx);
  },
  async scheduled(_controller, env, ctx) {
    setLogLevel(env.LOG_LEVEL);
    ctx.waitUntil(runMaintenance(env, maintenanceTasks));
  },
  async queue(batch, env, ctx) {
    setLogLevel(env.LOG_LEVEL);
    await handleQueueBatch(batch, env, ctx);
  },
} satisfies ExportedHandler<Env>;
