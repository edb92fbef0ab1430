import { z } from "@hono/zod-openapi";
import { CitationSchema, Filter, MAX_QUERY_CHARS, MAX_TOP_K } from "../answers/answers.schema";
import { MAX_STOP_SEQUENCES } from "../answers/stop";
import { messageText } from "./chat.conversation";

/** Most messages a conversation may carry (earlier turns beyond the memory budget are dropped anyway). */
export const MAX_MESSAGES = 200;
/** Longest message, in characters (the question itself is bounded like `/v1/answer`'s `query`). */
export const MAX_MESSAGE_CHARS = 32_000;
/** Largest `max_tokens` / `max_completion_tokens` accepted. */
export const MAX_COMPLETION_TOKENS = 16_384;

const TextPart = z
  .object({ type: z.literal("text"), text: z.string().max(MAX_MESSAGE_CHARS) })
  .strict()
  .openapi({ description: "A text content part; other part types are refused." });

/** A content part of any type: only `text` is accepted, the rest gets a clear refusal. */
const ContentPart = z.looseObject({ type: z.string() }).superRefine((part, ctx) => {
  if (part.type !== "text") {
    ctx.addIssue({
      code: "custom",
      message: `content parts of type "${part.type}" are not supported; edgerag answers from text, send {"type":"text","text":…} parts`,
    });
    return;
  }
  const parsed = TextPart.safeParse(part);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: "custom", input: part });
  }
});

const Content = z.union([z.string().max(MAX_MESSAGE_CHARS), z.array(ContentPart).min(1).max(100)]);

/** One message of the conversation. */
export const ChatMessageIn = z
  .looseObject({
    role: z.string().openapi({ example: "user" }),
    content: Content.nullable().optional(),
    name: z.string().max(64).optional(),
  })
  .superRefine((m, ctx) => {
    if (!["system", "developer", "user", "assistant"].includes(m.role)) {
      ctx.addIssue({
        code: "custom",
        path: ["role"],
        message: `role "${m.role}" is not supported; use system, developer, user or assistant (edgerag has no tools or functions)`,
      });
    }
    if (m.content === undefined || m.content === null) {
      ctx.addIssue({ code: "custom", path: ["content"], message: "content is required" });
    }
    for (const k of ["tool_calls", "function_call", "audio", "refusal"]) {
      if (k in m && m[k] !== null && m[k] !== undefined)
        ctx.addIssue({ code: "custom", path: [k], message: `${k} is not supported in messages` });
    }
  })
  .openapi("ChatMessage");

/** Parameters the OpenAI API has that edgerag does not implement, and the value that means "off". */
const UNSUPPORTED: Record<string, { neutral: (v: unknown) => boolean; why: string }> = {
  tools: { neutral: (v) => Array.isArray(v) && v.length === 0, why: "edgerag has no tool calling" },
  tool_choice: { neutral: (v) => v === "none", why: "edgerag has no tool calling" },
  functions: { neutral: (v) => Array.isArray(v) && v.length === 0, why: "edgerag has no function calling" },
  function_call: { neutral: (v) => v === "none", why: "edgerag has no function calling" },
  parallel_tool_calls: { neutral: () => true, why: "" },
  response_format: {
    neutral: (v) => typeof v === "object" && v !== null && (v as { type?: unknown }).type === "text",
    why: "answers are text with citations (only {type:'text'})",
  },
  logprobs: { neutral: (v) => v === false, why: "log probabilities are not available" },
  top_logprobs: { neutral: (v) => v === 0, why: "log probabilities are not available" },
  logit_bias: {
    neutral: (v) => typeof v === "object" && v !== null && Object.keys(v).length === 0,
    why: "token biasing is not available",
  },
  presence_penalty: { neutral: (v) => v === 0, why: "penalties are not passed to generators" },
  frequency_penalty: { neutral: (v) => v === 0, why: "penalties are not passed to generators" },
  seed: { neutral: () => false, why: "seeded sampling is not available" },
  audio: { neutral: () => false, why: "audio output is not available" },
  modalities: {
    neutral: (v) => Array.isArray(v) && v.every((m) => m === "text"),
    why: "only text output is available",
  },
  prediction: { neutral: () => false, why: "predicted outputs are not available" },
  store: { neutral: (v) => v === false, why: "completions are not stored for distillation" },
  reasoning_effort: { neutral: () => false, why: "reasoning effort is not configurable" },
  service_tier: { neutral: (v) => v === "auto" || v === "default", why: "there are no service tiers" },
  web_search_options: { neutral: () => false, why: "edgerag searches your documents, not the web" },
  verbosity: { neutral: () => false, why: "verbosity is not configurable" },
};

/** The keys the schema itself handles; everything else is checked against {@link UNSUPPORTED}. */
const ChatCompletionKnownKeys = {
  model: 1,
  messages: 1,
  stream: 1,
  stream_options: 1,
  temperature: 1,
  top_p: 1,
  max_tokens: 1,
  max_completion_tokens: 1,
  stop: 1,
  n: 1,
  user: 1,
  metadata: 1,
  filter: 1,
  top_k: 1,
  session_id: 1,
};

/** `POST /v1/chat/completions` body: OpenAI's parameters plus edgerag's retrieval extras. */
export const ChatCompletionBody = z
  .looseObject({
    model: z
      .string()
      .min(1)
      .max(300)
      .openapi({
        example: "edgerag",
        description:
          "A generator id from `GET /v1/models`: `edgerag` is the configured fallback chain, `local:extractive` " +
          "or `openai:<model>` one configured provider. Unknown ids are `404 model_not_found`.",
      }),
    messages: z.array(ChatMessageIn).min(1).max(MAX_MESSAGES),
    stream: z.boolean().nullable().optional(),
    stream_options: z
      .object({ include_usage: z.boolean().optional() })
      .strict()
      .nullable()
      .optional()
      .openapi({ description: "`include_usage`: a last chunk with `usage` before `[DONE]`." }),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    max_tokens: z.number().int().min(1).max(MAX_COMPLETION_TOKENS).nullable().optional(),
    max_completion_tokens: z.number().int().min(1).max(MAX_COMPLETION_TOKENS).nullable().optional(),
    stop: z
      .union([z.string().min(1), z.array(z.string().min(1)).max(MAX_STOP_SEQUENCES)])
      .nullable()
      .optional(),
    n: z
      .number()
      .int()
      .nullable()
      .optional()
      .refine((n) => n === undefined || n === null || n === 1, {
        message: "only n=1 is supported (one grounded answer per request)",
      }),
    user: z.string().max(256).optional(),
    metadata: z
      .record(z.string().max(64), z.string().max(512))
      .refine((m) => Object.keys(m).length <= 16, { message: "at most 16 keys" })
      .nullable()
      .optional(),
    // edgerag extras
    filter: Filter.optional(),
    top_k: z.number().int().min(1).max(MAX_TOP_K).optional().openapi({ description: "Chunks to retrieve." }),
    session_id: z.string().min(1).max(100).optional().openapi({
      description:
        "Answer as a turn of this edgerag session: its memory replaces the earlier messages of `messages`.",
    }),
  })
  .superRefine((body, ctx) => {
    const known = new Set(Object.keys(ChatCompletionKnownKeys));
    for (const [key, value] of Object.entries(body)) {
      if (known.has(key) || value === undefined || value === null) continue;
      const rule = UNSUPPORTED[key];
      if (rule?.neutral(value)) continue;
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: rule ? `${key} is not supported: ${rule.why}` : `unknown parameter ${key}`,
      });
    }
    if (body.stream_options && !body.stream) {
      ctx.addIssue({ code: "custom", path: ["stream_options"], message: "only allowed with stream: true" });
    }
    const last = body.messages.at(-1);
    const at = body.messages.length - 1;
    if (last && last.role !== "user") {
      ctx.addIssue({
        code: "custom",
        path: ["messages", at, "role"],
        message: "the last message must be the user's question",
      });
    } else if (last) {
      const question = messageText(last).trim();
      if (!question)
        ctx.addIssue({ code: "custom", path: ["messages", at, "content"], message: "the question is empty" });
      if (question.length > MAX_QUERY_CHARS)
        ctx.addIssue({
          code: "custom",
          path: ["messages", at, "content"],
          message: `the question is longer than ${MAX_QUERY_CHARS} characters`,
        });
    }
  })
  .openapi("ChatCompletionRequest");

/** The parsed request. */
export type ChatCompletionRequest = z.output<typeof ChatCompletionBody>;

const Usage = z.object({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
});

/** edgerag's additions to a completion: how the answer was grounded. */
export const ChatExtras = z.object({
  query_id: z.string().openapi({ description: "For `POST /v1/feedback`." }),
  grounded: z.boolean(),
  provider: z.string(),
  retrieval_query: z.string().optional(),
  cached: z.boolean(),
  session_id: z.string().optional(),
});

/** `chat.completion`, exactly OpenAI's shape, plus `citations` and `edgerag`. */
export const ChatCompletionResponse = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.number(),
    model: z.string(),
    system_fingerprint: z.string().nullable(),
    choices: z.array(
      z.object({
        index: z.number(),
        message: z.object({
          role: z.literal("assistant"),
          content: z.string(),
          refusal: z.null(),
        }),
        logprobs: z.null(),
        finish_reason: z.enum(["stop", "length"]),
      }),
    ),
    usage: Usage,
    citations: z.array(CitationSchema),
    edgerag: ChatExtras,
  })
  .openapi("ChatCompletion");
