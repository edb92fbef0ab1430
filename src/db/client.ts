import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

function build(d1: D1Database) {
  return drizzle(d1, { schema });
}

/** The drizzle client type services receive. */
export type Db = ReturnType<typeof build>;

// drizzle() walks the whole schema to build its relational config (measured: ~3% of a search
// request's CPU when done per call), so one client is kept per binding object. It holds no
// per-request state; the binding is the same object for the life of the isolate.
const clients = new WeakMap<D1Database, Db>();

/** A drizzle client over a D1 binding (one per binding, reused). */
export function createDb(d1: D1Database): Db {
  let db = clients.get(d1);
  if (!db) {
    db = build(d1);
    clients.set(d1, db);
  }
  return db;
}
