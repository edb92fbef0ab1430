import { beforeAll, describe, expect, it } from "vitest";
import { postText, settled } from "../documents/helpers";
import { call, createTenantWithKey, errorCode } from "../helpers";

let key: string;
let queryId: string;
let cited: string[];

const rate = (json: Record<string, unknown>, token = key) => call("POST", "/v1/feedback", { token, json });

beforeAll(async () => {
  ({ key } = await createTenantWithKey());
  await postText(key, {
    id: "limiter",
    title: "Acme rate limiter",
    text: "The Acme rate limiter allows 100 requests per minute per key. Limits reset every sixty seconds.",
  });
  await settled(key, "limiter");
  const answer = (await (
    await call("POST", "/v1/answer", {
      token: key,
      json: { query: "How many requests does the limiter allow?" },
    })
  ).json()) as { query_id: string; citations: { chunk_id: string }[] };
  queryId = answer.query_id;
  cited = answer.citations.map((c) => c.chunk_id);
  // The query log row is written before the answer is returned: rating it at once works.
  expect((await rate({ query_id: queryId, rating: 1 })).status).toBe(201);
});

describe("POST /v1/feedback", () => {
  it("stores one rating per query: rating again replaces it", async () => {
    const again = await rate({ query_id: queryId, rating: -1, comment: "too terse", chunk_ids: cited });
    expect(again.status).toBe(200);
    const body = (await again.json()) as {
      rating: number;
      comment: string;
      chunk_ids: string[];
      created_at: number;
      updated_at: number;
    };
    expect(body).toMatchObject({ rating: -1, comment: "too terse", chunk_ids: cited });
    expect(body.updated_at).toBeGreaterThanOrEqual(body.created_at);
    const list = (await (await call("GET", `/v1/feedback?query_id=${queryId}`, { token: key })).json()) as {
      feedback: { rating: number; comment: string }[];
    };
    expect(list.feedback).toHaveLength(1);
    expect(list.feedback[0]).toMatchObject({ rating: -1, comment: "too terse" });
  });

  it("rates chat completion answers too (edgerag.query_id)", async () => {
    const chat = (await (
      await call("POST", "/v1/chat/completions", {
        token: key,
        json: { model: "edgerag", messages: [{ role: "user", content: "When do the limits reset?" }] },
      })
    ).json()) as { edgerag: { query_id: string } };
    expect((await rate({ query_id: chat.edgerag.query_id, rating: 1 })).status).toBe(201);
  });

  it("refuses unknown queries, another tenant's query, foreign chunks and bad ratings", async () => {
    const missing = await rate({ query_id: "q_nope", rating: 1 });
    expect(missing.status).toBe(404);
    expect(await errorCode(missing)).toBe("query_not_found");
    const other = await createTenantWithKey();
    const foreign = await rate({ query_id: queryId, rating: 1 }, other.key);
    expect(foreign.status).toBe(404);
    const chunk = await rate({ query_id: queryId, rating: 1, chunk_ids: ["not-a-cited-chunk"] });
    expect(chunk.status).toBe(400);
    expect(await errorCode(chunk)).toBe("chunk_not_in_answer");
    for (const rating of [0, 5, "1", 2]) {
      expect((await rate({ query_id: queryId, rating })).status, String(rating)).toBe(400);
    }
    // The other tenant sees none of this tenant's feedback.
    const theirs = (await (await call("GET", "/v1/feedback", { token: other.key })).json()) as {
      feedback: unknown[];
    };
    expect(theirs.feedback).toEqual([]);
  });

  it("pages newest first with a cursor and filters by rating", async () => {
    const first = (await (await call("GET", "/v1/feedback?limit=1", { token: key })).json()) as {
      feedback: { query_id: string }[];
      next_cursor: string | null;
    };
    expect(first.feedback).toHaveLength(1);
    expect(first.next_cursor).not.toBeNull();
    const second = (await (
      await call("GET", `/v1/feedback?limit=1&cursor=${first.next_cursor}`, { token: key })
    ).json()) as { feedback: { query_id: string }[]; next_cursor: string | null };
    expect(second.feedback).toHaveLength(1);
    expect(second.feedback[0]?.query_id).not.toBe(first.feedback[0]?.query_id);
    expect(second.next_cursor).toBeNull();
    const bad = (await (await call("GET", "/v1/feedback?rating=-1", { token: key })).json()) as {
      feedback: { rating: number }[];
    };
    expect(bad.feedback.map((f) => f.rating)).toEqual([-1]);
    expect((await call("GET", "/v1/feedback?cursor=%%%", { token: key })).status).toBe(400);
  });
});
