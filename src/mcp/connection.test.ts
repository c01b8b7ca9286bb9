// Which failures of a remote request mean its session is gone: the SDK's own error shapes, built as the
// transport builds them, so a change in the SDK's errors shows up here first.
import { SdkErrorCode, SdkHttpError, ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import { remoteSessionLoss } from "./connection.js";

describe("remoteSessionLoss", () => {
  it("reads a 404 as an expired session and a 400 naming the session as a lost one", () => {
    const expired = new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, "Error POSTing to endpoint: Session not found", { status: 404, statusText: "Not Found" });
    expect(remoteSessionLoss(expired)).toMatch(/^session expired: the server answered 404 \(.*Session not found\)$/);
    const forgotten = new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, "Error POSTing to endpoint: Bad Request: No valid session ID provided", {
      status: 400,
      statusText: "Bad Request",
    });
    expect(remoteSessionLoss(forgotten)).toMatch(/^session lost: the server answered 400 \(.*No valid session ID provided\)$/);
  });

  it("finds a refused connection in fetch's cause chain", () => {
    const refused = new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }) });
    expect(remoteSessionLoss(refused)).toBe("connection refused (ECONNREFUSED)");
  });

  it("leaves the session standing for an error answer or a bad request about something else", () => {
    expect(remoteSessionLoss(new ProtocolError(ProtocolErrorCode.InvalidParams, "bad arguments"))).toBeUndefined();
    const badInput = new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, "Error POSTing to endpoint: malformed JSON", { status: 400, statusText: "Bad Request" });
    expect(remoteSessionLoss(badInput)).toBeUndefined();
  });
});
