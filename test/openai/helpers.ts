/** Server-sent `data:` payloads of an OpenAI-style stream, in order (`[DONE]` kept as a string). */
export async function dataFrames(res: Response): Promise<unknown[]> {
  const text = await res.text();
  return text
    .split("\n\n")
    .map((f) => /^data: ?(.*)$/m.exec(f)?.[1])
    .filter((d): d is string => d !== undefined)
    .map((d) => (d === "[DONE]" ? d : JSON.parse(d)));
}

/** A chat completion chunk as the tests read it. */
export interface Chunk {
  id: string;
  object: string;
  model: string;
  choices: { index: number; delta: { role?: string; content?: string }; finish_reason: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  citations?: { chunk_id: string; document_id: string }[];
  edgerag?: { query_id: string };
}
