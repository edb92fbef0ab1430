import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/** A drizzle client over a D1 binding. */
export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

/** The drizzle client type services receive. */
export type Db = ReturnType<typeof createDb>;
