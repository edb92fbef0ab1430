/**
 * Server-sent events parser (WHATWG "event stream interpretation") over a byte stream. Network
 * chunks split anywhere: inside a UTF-8 sequence, a line, a JSON payload or between `\r` and
 * `\n`; events are only dispatched at a blank line, so a frame split mid-JSON is reassembled
 * before anyone parses it.
 */

/** One dispatched event. `data` joins multi-line data with `\n`, as the spec says. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Parses `body` into events. A final event without its blank line is still delivered (lenient). */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseLineParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    // Cancelling releases the connection when the consumer stops early or a parse fails.
    reader.cancel().catch(() => {});
  }
}

/** Incremental line/field state machine, separate from I/O so it can be tested on raw strings. */
export class SseLineParser {
  #buffer = "";
  #data: string[] = [];
  #event = "";
  #id: string | undefined;
  #sawCR = false;
  #first = true;

  /** Feeds decoded text; returns the events completed by it. */
  *push(text: string): Generator<SseEvent> {
    let chunk = text;
    if (this.#first && chunk.length) {
      this.#first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i] as string;
      if (ch === "\n" && this.#sawCR) {
        // Second half of a CRLF split across chunks: the line already ended at the CR.
        this.#sawCR = false;
        continue;
      }
      this.#sawCR = ch === "\r";
      if (ch === "\r" || ch === "\n") {
        const event = this.#line(this.#buffer);
        this.#buffer = "";
        if (event) yield event;
      } else {
        this.#buffer += ch;
      }
    }
  }

  /** Flushes a trailing line and event at end of stream. */
  *end(): Generator<SseEvent> {
    if (this.#buffer) {
      const event = this.#line(this.#buffer);
      this.#buffer = "";
      if (event) yield event;
    }
    const last = this.#line("");
    if (last) yield last;
  }

  #line(line: string): SseEvent | undefined {
    if (line === "") {
      if (this.#data.length === 0) {
        this.#event = "";
        return undefined;
      }
      const event: SseEvent = { event: this.#event || "message", data: this.#data.join("\n") };
      if (this.#id !== undefined) event.id = this.#id;
      this.#data = [];
      this.#event = "";
      return event;
    }
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    else if (field === "id" && !value.includes("\0")) this.#id = value;
    return undefined;
  }
}

/**
 * Parses an event's data as JSON. Some servers put two JSON objects in one event (two `data:`
 * lines, no blank line between); those are parsed line by line instead of failing.
 */
export function sseJson(data: string): unknown[] {
  try {
    return [JSON.parse(data)];
  } catch (err) {
    const lines = data.split("\n").filter((l) => l.trim());
    if (lines.length < 2) throw err;
    return lines.map((l) => JSON.parse(l) as unknown);
  }
}
