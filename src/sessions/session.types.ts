import type { Citation } from "../answers/citations";
import type { SessionFact } from "./condense";
import type { MemoryBudget } from "./memory";

/**
 * The SessionMemory Durable Object's RPC vocabulary, shared by the object and its callers.
 * Pure types: no runtime imports.
 */

/** A session as the API shows it. */
export interface SessionInfo {
  id: string;
  tenant_id: string;
  title: string | null;
  metadata: Record<string, unknown>;
  created_at: number;
  last_active_at: number;
  expires_at: number;
  message_count: number;
  summary: string;
  facts: SessionFact[];
}

/** A stored message. */
export interface SessionMessage {
  id: string;
  seq: number;
  role: "user" | "assistant";
  content: string;
  citations?: Citation[];
  query_id?: string;
  retrieval_query?: string;
  created_at: number;
}

/** What a new session is created with. */
export interface SessionInit {
  tenantId: string;
  sessionId: string;
  ttlSeconds: number;
  title?: string | null;
  metadata?: Record<string, unknown>;
  budget?: MemoryBudget;
}

/** The memory a turn answers with, read when the turn begins. */
export interface TurnContext {
  turnId: string;
  userMessage: SessionMessage;
  /** Recent messages before this turn, verbatim, within the recent-turns budget. */
  recent: SessionMessage[];
  summary: string;
  facts: SessionFact[];
  /** The previous user question in standalone form (what follow-ups are condensed against). */
  previousQuery?: string;
}

/** The assistant's side of a turn. */
export interface TurnReply {
  content: string;
  citations: Citation[];
  queryId?: string;
}

/** A page of messages. */
export interface MessagePage {
  messages: SessionMessage[];
  next_cursor: string | null;
}
