import { expect, it } from "vitest";
import { parseEvents } from "./daemon-mcp-link.js";

it("reads the message events of a stream, keeping an incomplete tail for the next chunk", () => {
  const text = 'event: message\ndata: {"id":1}\n\n: keepalive\n\nid: 7\ndata: {"id":2}\n\nevent: other\ndata: x\n\nevent: message\r\ndata: {"id":3}\r\n\r\ndata: {"id"';
  const { data, rest } = parseEvents(text);
  expect(data).toEqual(['{"id":1}', '{"id":2}', '{"id":3}']);
  expect(parseEvents(`${rest}:4}\n\n`).data).toEqual(['{"id":4}']);
});

it("joins the data lines of one event", () => {
  expect(parseEvents("data: {\ndata: \"id\": 5}\n\n").data).toEqual(['{\n"id": 5}']);
});
