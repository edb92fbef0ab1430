import { describe, expect, it } from "vitest";
import { parseSse, type SseEvent, SseLineParser, sseJson } from "../../src/providers/http/sse";

const STREAM =
  "\uFEFF: keep-alive\r\n\r\n" +
  'data: {"response":"Hé"}\r\n\r\n' +
  "event: message\nid: 7\n" +
  'data: {"response":"llo ✓",\ndata: "n":2}\n\n' +
  "data:no-space\r\r" +
  "data: [DONE]\n\n";

function parseAll(pieces: string[]): SseEvent[] {
  const p = new SseLineParser();
  const out: SseEvent[] = [];
  for (const piece of pieces) out.push(...p.push(piece));
  out.push(...p.end());
  return out;
}

describe("SseLineParser", () => {
  const expected: SseEvent[] = [
    { event: "message", data: '{"response":"Hé"}' },
    { event: "message", data: '{"response":"llo ✓",\n"n":2}', id: "7" },
    { event: "message", data: "no-space", id: "7" },
    { event: "message", data: "[DONE]", id: "7" },
  ];

  it("parses BOM, comments, CRLF/CR/LF, multi-line data, event and id fields", () => {
    expect(parseAll([STREAM])).toEqual(expected);
  });

  it("gives the same events however the text is split, including inside JSON and between CR and LF", () => {
    for (let cut = 1; cut < STREAM.length; cut++) {
      expect(parseAll([STREAM.slice(0, cut), STREAM.slice(cut)])).toEqual(expected);
    }
    expect(parseAll([...STREAM])).toEqual(expected);
  });

  it("delivers a last event that lacks its blank line", () => {
    expect(parseAll(['data: {"a":1}'])).toEqual([{ event: "message", data: '{"a":1}' }]);
  });
});

describe("parseSse", () => {
  it("reassembles frames split inside multi-byte UTF-8 characters", async () => {
    const bytes = new TextEncoder().encode(STREAM);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 3) controller.enqueue(bytes.slice(i, i + 3));
        controller.close();
      },
    });
    const events: SseEvent[] = [];
    for await (const e of parseSse(body)) events.push(e);
    expect(events.map((e) => e.data)).toEqual([
      '{"response":"Hé"}',
      '{"response":"llo ✓",\n"n":2}',
      "no-space",
      "[DONE]",
    ]);
  });

  it("cancels the body when the consumer stops early", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode("data: x\n\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const _ of parseSse(body)) break;
    expect(cancelled).toBe(true);
  });
});

describe("sseJson", () => {
  it("parses one object, or one per line when a server glued two frames together", () => {
    expect(sseJson('{"a":1}')).toEqual([{ a: 1 }]);
    expect(sseJson('{"a":1}\n{"b":2}')).toEqual([{ a: 1 }, { b: 2 }]);
    expect(() => sseJson('{"a":')).toThrow(SyntaxError);
  });
});
