// Which failures of a remote request mean its session is gone: the SDK's own error shapes, built as the
// transport builds them, so a change in the SDK's errors shows up here first.
import { SdkErrorCode, SdkHttpError, ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import { AppError } from "../core/errors.js";
import { classifyStartFailure, remoteSessionLoss } from "./connection.js";
import { SpawnError } from "./stdio-transport.js";

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

describe("classifyStartFailure", () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
  let invalidUrl: unknown;
  try {
    new URL("not a url");
  } catch (error) {
    invalidUrl = error;
  }

  it("calls permanent what trying again cannot mend", () => {
    for (const error of [
      new SpawnError("command not found: pygent-no-such-command"),
      new AppError("CONFIG_INVALID", "env: environment variable API_KEY is not set"),
      invalidUrl,
      new TypeError("fetch failed", { cause: new AppError("URL_NOT_ALLOWED", "refused by the network policy: 10.0.0.1 is a private address") }),
      new Error("Server's protocol version is not supported: 1999-01-01"),
    ]) {
      expect(classifyStartFailure(error).permanent, String(error)).toBe(true);
    }
  });

  it("names protocol_version_unsupported and the version the server offered", () => {
    expect(classifyStartFailure(new Error("Server's protocol version is not supported: 1999-01-01")).message).toBe(
      "protocol_version_unsupported: the server offered protocol version 1999-01-01, which this client does not support",
    );
  });

  it("calls retryable timeouts, refusals, 5xx answers and exits, keeping the reason given", () => {
    for (const error of [
      new DOMException("timed out after 1000 ms", "TimeoutError"),
      new TypeError("fetch failed", { cause: refused }),
      new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, "Error POSTing to endpoint: service unavailable", { status: 503, statusText: "Service Unavailable" }),
      new Error("exited with code 1 before answering initialize"),
    ]) {
      const failure = classifyStartFailure(error, "the reason");
      expect(failure.permanent, String(error)).toBe(false);
      expect(failure.message).toBe("the reason");
    }
  });
});
