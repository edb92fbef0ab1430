import { z } from "@hono/zod-openapi";

const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a UTC date, YYYY-MM-DD")
  .refine(
    (d) =>
      !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    "is not a real date",
  );

/** Query of `GET /v1/usage`. */
export const UsageQuery = z.object({
  from: Day.optional().openapi({
    description: "First UTC day (inclusive); default 29 days before `to`.",
    example: "2026-11-01",
  }),
  to: Day.optional().openapi({
    description: "Last UTC day (inclusive); default today.",
    example: "2026-11-30",
  }),
});

const Counters = {
  calls: z.number().int().openapi({ description: "Provider attempts, including failed ones and retries." }),
  failures: z.number().int(),
  input_tokens: z.number().int().openapi({ description: "As reported by the provider, else estimated." }),
  output_tokens: z.number().int(),
  cache_hits: z.number().int().openapi({ description: "Texts served from the embedding cache." }),
};

/** Response of `GET /v1/usage`. */
export const UsageReport = z
  .object({
    tenant_id: z.string(),
    from: z.string(),
    to: z.string(),
    totals: z.object(Counters),
    providers: z.array(
      z.object({
        provider: z.string().openapi({ example: "openai:llama3.2@http://127.0.0.1:11434/v1" }),
        operation: z.enum(["embed", "rerank", "generate"]),
        ...Counters,
        avg_latency_ms: z.number().nullable(),
      }),
    ),
    days: z.array(z.object({ day: z.string(), ...Counters })),
  })
  .openapi("UsageReport");
