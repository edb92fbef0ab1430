import { log } from "../observability/log";

/** One periodic task run by the cron trigger (e.g. expiring documents, resuming stalled jobs). */
export interface MaintenanceTask {
  name: string;
  run(env: Env, now: number): Promise<Record<string, number> | undefined>;
}

/**
 * Runs every task, isolating failures so one broken task never starves the others.
 * Returns per-task outcomes for logging and tests.
 */
export async function runMaintenance(
  env: Env,
  tasks: readonly MaintenanceTask[],
  now = Date.now(),
): Promise<Record<string, Record<string, number> | { error: string } | undefined>> {
  const results: Record<string, Record<string, number> | { error: string } | undefined> = {};
  for (const task of tasks) {
    try {
      results[task.name] = await task.run(env, now);
    } catch (err) {
      log.error("maintenance task failed", { task: task.name, err });
      results[task.name] = { error: (err as Error).message };
    }
  }
  log.debug("maintenance done", { results });
  return results;
}
