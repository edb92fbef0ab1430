import type { SessionTurnStore } from "./sessions.service";

/**
 * The SessionMemory object of one (tenant, session). The tenant is part of the object's name,
 * so another tenant naming the same session id reaches a different, empty object: a 404.
 */
export function sessionStub(env: Pick<Env, "SESSIONS">, tenantId: string, sessionId: string) {
  return env.SESSIONS.get(env.SESSIONS.idFromName(`${tenantId}\u0000${sessionId}`));
}

/** The stub as the turn logic's store port. */
export function sessionStore(
  env: Pick<Env, "SESSIONS">,
  tenantId: string,
  sessionId: string,
): SessionTurnStore {
  const stub = sessionStub(env, tenantId, sessionId);
  return {
    beginTurn: (content) => stub.beginTurn(content),
    setRetrievalQuery: (turnId, query) => stub.setRetrievalQuery(turnId, query),
    completeTurn: (turnId, reply) => stub.completeTurn(turnId, reply),
    abortTurn: (turnId) => stub.abortTurn(turnId),
  };
}
