import { DurableObject } from "cloudflare:workers";
import { newId } from "../src/lib/ids";
import type { SessionFact } from "../src/sessions/condense";
import {
  DEFAULT_MEMORY_BUDGET,
  extractFacts,
  foldSummary,
  type MemoryBudget,
  recentWithin,
} from "../src/sessions/memory";
import type {
  MessagePage,
  SessionInfo,
  SessionInit,
  SessionMessage,
  TurnContext,
  TurnReply,
} from "../src/sessions/session.types";

/** Rows read to build a turn's memory (recent window + what the summary has not folded yet). */
const MEMORY_WINDOW_ROWS = 60;
/** Longest a turn waits for the previous one before taking over (its worker may have died). */
const TURN_LOCK_MS = 60_000;
/** Largest page of messages. */
const MAX_PAGE = 100;
/** Most facts kept per session (oldest dropped). */
const MAX_FACTS = 50;

/** The turn holding the lock (in memory only: after an eviction nobody holds it). */
interface Turn {
  id: string;
  done: Promise<void>;
  release: () => void;
  deadline: number;
}

interface MessageRow extends Record<string, SqlStorageValue> {
  seq: number;
  id: string;
  turn_id: string;
  role: string;
  content: string;
  citations: string | null;
  query_id: string | null;
  retrieval_query: string | null;
  created_at: number;
}

/**
 * Per-(tenant, session) conversational memory in SQLite: messages, a rolling summary, stated
 * facts and an idle TTL enforced by an alarm. Turns are serialised: `beginTurn` waits until
 * the previous turn completed (or its lock expired), stores the user message durably and
 * returns the memory to answer with; `completeTurn` stores the reply. Both survive eviction,
 * because everything that matters is in storage, not in memory.
 */
export class SessionMemory extends DurableObject<Env> {
  #sql: SqlStorage;
  #turn: Turn | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => this.#createSchema());
  }

  /** Idempotent; also run after `deleteAll`, which drops the tables. */
  #createSchema(): void {
    this.#sql.exec(`
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS messages (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          turn_id TEXT NOT NULL,
          role TEXT NOT NULL,
          content TEXT NOT NULL,
          citations TEXT,
          query_id TEXT,
          retrieval_query TEXT,
          created_at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS messages_turn_idx ON messages (turn_id, role);
        CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL);
      `);
  }

  /** Health round trip; touches no storage. */
  ping(): string {
    return "pong";
  }

  /** Creates the session (idempotent for the same tenant and id); returns it. */
  async create(init: SessionInit): Promise<SessionInfo> {
    const existing = this.#meta("tenant_id");
    if (existing === undefined) {
      const now = Date.now();
      this.#setMeta({
        tenant_id: init.tenantId,
        session_id: init.sessionId,
        created_at: String(now),
        last_active_at: String(now),
        ttl_seconds: String(init.ttlSeconds),
        title: init.title ?? "",
        metadata: JSON.stringify(init.metadata ?? {}),
        budget: JSON.stringify(init.budget ?? DEFAULT_MEMORY_BUDGET),
        summary: "",
        summarized_through: "0",
      });
      await this.#schedule();
    }
    return this.#info() as SessionInfo;
  }

  /** The session, or null when it does not exist (never created, deleted or expired). */
  info(): SessionInfo | null {
    return this.#info();
  }

  /** Messages in order, `limit` per page (≤ 100), after the `cursor` of the previous page. */
  messages(opts: { cursor?: string; limit: number }): MessagePage | null {
    if (!this.#exists()) return null;
    const after = opts.cursor ? Number(opts.cursor) : 0;
    const limit = Math.min(Math.max(1, opts.limit), MAX_PAGE);
    const rows = this.#sql
      .exec<MessageRow>("SELECT * FROM messages WHERE seq > ? ORDER BY seq LIMIT ?", after, limit + 1)
      .toArray();
    const page = rows.slice(0, limit).map(toMessage);
    return { messages: page, next_cursor: rows.length > limit ? String(page.at(-1)?.seq) : null };
  }

  /**
   * Starts a turn: waits for the previous one, stores the user message (and any facts it
   * states), and returns the memory to answer with. Null when the session does not exist.
   */
  async beginTurn(content: string): Promise<TurnContext | null> {
    if (!this.#exists()) return null;
    await this.#acquire();
    if (!this.#exists()) {
      this.#releaseTurn();
      return null;
    }
    const turn = this.#turn as Turn;
    const before = this.#window();
    const budget = this.#budget();
    const recent = recentWithin(before, budget.recentTokens);
    const now = Date.now();
    for (const f of extractFacts(content)) {
      this.#sql.exec(
        "INSERT INTO facts (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        f.key,
        f.value,
        now,
      );
    }
    this.#sql.exec(
      "DELETE FROM facts WHERE key NOT IN (SELECT key FROM facts ORDER BY updated_at DESC LIMIT ?)",
      MAX_FACTS,
    );
    const user = this.#insert(turn.id, "user", content, now);
    await this.#touch(now);
    const previous = [...before].reverse().find((m) => m.role === "user");
    return {
      turnId: turn.id,
      userMessage: user,
      recent,
      summary: this.#meta("summary") ?? "",
      facts: this.#facts(),
      previousQuery: previous ? (previous.retrieval_query ?? previous.content) : undefined,
    };
  }

  /** Records the standalone query a turn's question was condensed to. */
  setRetrievalQuery(turnId: string, query: string): void {
    this.#sql.exec(
      "UPDATE messages SET retrieval_query = ? WHERE turn_id = ? AND role = 'user'",
      query,
      turnId,
    );
  }

  /**
   * Stores the reply of a turn and releases the turn lock. Works after an eviction (the turn is
   * found in storage), and is idempotent: a retried completion never stores a reply twice.
   */
  async completeTurn(turnId: string, reply: TurnReply): Promise<SessionMessage | null> {
    try {
      if (!this.#exists()) return null;
      const user = this.#sql
        .exec<{ n: number }>("SELECT count(*) AS n FROM messages WHERE turn_id = ? AND role = 'user'", turnId)
        .one();
      if (user.n === 0) return null;
      const done = this.#sql
        .exec<MessageRow>("SELECT * FROM messages WHERE turn_id = ? AND role = 'assistant'", turnId)
        .toArray()[0];
      if (done) return toMessage(done);
      const now = Date.now();
      const message = this.#insert(turnId, "assistant", reply.content, now, reply.citations, reply.queryId);
      this.#summarise();
      await this.#touch(now);
      return message;
    } finally {
      if (this.#turn?.id === turnId) this.#releaseTurn();
    }
  }

  /** Ends a turn that failed without a reply (the user message stays, so nothing is lost). */
  abortTurn(turnId: string): void {
    if (this.#turn?.id === turnId) this.#releaseTurn();
  }

  /** Deletes the session and everything in it; false when it did not exist. */
  async destroy(): Promise<boolean> {
    const existed = this.#exists();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#createSchema();
    this.#releaseTurn();
    return existed;
  }

  /** TTL: deletes an idle session, or re-arms for the new expiry if it was used meanwhile. */
  override async alarm(): Promise<void> {
    const expires = this.#expiresAt();
    if (expires === undefined) return;
    if (Date.now() >= expires) await this.destroy();
    else await this.ctx.storage.setAlarm(expires);
  }

  #exists(): boolean {
    return this.#meta("tenant_id") !== undefined;
  }

  #meta(key: string): string | undefined {
    return this.#sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
  }

  #setMeta(values: Record<string, string>): void {
    for (const [k, v] of Object.entries(values)) {
      this.#sql.exec(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        k,
        v,
      );
    }
  }

  #budget(): MemoryBudget {
    try {
      return {
        ...DEFAULT_MEMORY_BUDGET,
        ...(JSON.parse(this.#meta("budget") ?? "{}") as Partial<MemoryBudget>),
      };
    } catch {
      return DEFAULT_MEMORY_BUDGET;
    }
  }

  #facts(): SessionFact[] {
    return this.#sql
      .exec<{ key: string; value: string }>("SELECT key, value FROM facts ORDER BY updated_at, key")
      .toArray()
      .map((r) => ({ key: r.key, value: r.value }));
  }

  #expiresAt(): number | undefined {
    const last = this.#meta("last_active_at");
    const ttl = this.#meta("ttl_seconds");
    return last === undefined || ttl === undefined ? undefined : Number(last) + Number(ttl) * 1000;
  }

  async #touch(now: number): Promise<void> {
    this.#setMeta({ last_active_at: String(now) });
    await this.#schedule();
  }

  async #schedule(): Promise<void> {
    const at = this.#expiresAt();
    if (at !== undefined) await this.ctx.storage.setAlarm(at);
  }

  /** The newest messages (bounded), oldest first. */
  #window(): SessionMessage[] {
    return this.#sql
      .exec<MessageRow>("SELECT * FROM messages ORDER BY seq DESC LIMIT ?", MEMORY_WINDOW_ROWS)
      .toArray()
      .reverse()
      .map(toMessage);
  }

  /** Folds messages that left the recent window into the rolling summary. */
  #summarise(): void {
    const budget = this.#budget();
    const window = this.#window();
    const recent = recentWithin(window, budget.recentTokens);
    const firstRecent = recent[0]?.seq ?? Number.POSITIVE_INFINITY;
    const through = Number(this.#meta("summarized_through") ?? "0");
    const fold = window.filter((m) => m.seq > through && m.seq < firstRecent);
    // Fold whole turns only: a question whose answer is still recent waits for the next fold.
    while (fold.length && fold.at(-1)?.role === "user") fold.pop();
    if (!fold.length) return;
    const summary = foldSummary(this.#meta("summary") ?? "", fold, budget.summaryTokens);
    this.#setMeta({ summary, summarized_through: String(fold.at(-1)?.seq) });
  }

  #insert(
    turnId: string,
    role: "user" | "assistant",
    content: string,
    now: number,
    citations?: TurnReply["citations"],
    queryId?: string,
  ): SessionMessage {
    const id = newId("msg", now);
    const row = this.#sql
      .exec<MessageRow>(
        "INSERT INTO messages (id, turn_id, role, content, citations, query_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
        id,
        turnId,
        role,
        content,
        citations ? JSON.stringify(citations) : null,
        queryId ?? null,
        now,
      )
      .one();
    return toMessage(row);
  }

  #info(): SessionInfo | null {
    if (!this.#exists()) return null;
    const count = this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM messages").one().n;
    let metadata: Record<string, unknown> = {};
    try {
      metadata = JSON.parse(this.#meta("metadata") ?? "{}") as Record<string, unknown>;
    } catch {
      metadata = {};
    }
    return {
      id: this.#meta("session_id") ?? "",
      tenant_id: this.#meta("tenant_id") ?? "",
      title: this.#meta("title") || null,
      metadata,
      created_at: Number(this.#meta("created_at")),
      last_active_at: Number(this.#meta("last_active_at")),
      expires_at: this.#expiresAt() ?? 0,
      message_count: count,
      summary: this.#meta("summary") ?? "",
      facts: this.#facts(),
    };
  }

  /** Waits for the running turn (bounded by its lock deadline), then takes the lock. */
  async #acquire(): Promise<void> {
    while (this.#turn) {
      const current = this.#turn;
      const wait = current.deadline - Date.now();
      if (wait <= 0) {
        this.#releaseTurn();
        break;
      }
      await Promise.race([current.done, new Promise((r) => setTimeout(r, wait))]);
    }
    let release = () => {};
    const done = new Promise<void>((r) => {
      release = r;
    });
    this.#turn = { id: newId("turn"), done, release, deadline: Date.now() + TURN_LOCK_MS };
  }

  #releaseTurn(): void {
    const t = this.#turn;
    this.#turn = undefined;
    t?.release();
  }
}

function toMessage(r: MessageRow): SessionMessage {
  const m: SessionMessage = {
    id: r.id,
    seq: r.seq,
    role: r.role === "assistant" ? "assistant" : "user",
    content: r.content,
    created_at: r.created_at,
  };
  if (r.citations) m.citations = JSON.parse(r.citations) as SessionMessage["citations"];
  if (r.query_id) m.query_id = r.query_id;
  if (r.retrieval_query) m.retrieval_query = r.retrieval_query;
  return m;
}
