/**
 * One HTTP request and its whole answer on node:http, under one timeout from the request to the
 * answer's last byte. For the few requests a command or a check makes: nothing of them keeps the
 * process alive once they are done, and it loads no fetch (fetch's first use alone cost about
 * 50–80 ms, and its pool held a command about 200 ms before it could exit).
 */
import http from "node:http";
import https from "node:https";

export interface HttpAnswer {
  response: http.IncomingMessage;
  text: string;
}

/** No whole answer within the timeout; `name` is "TimeoutError", as fetch's deadline would say. */
export class AnswerTimeout extends Error {
  override readonly name = "TimeoutError";
}

/** Sends the request; resolves with the response and its body as text, rejects with AnswerTimeout or the socket's error. */
export function exchange(url: URL, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === "https:" ? https : http).request(url, { method, headers });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      request.destroy();
    }, timeoutMs);
    // Whichever of the request and its response reports the end first, a timeout is named as one.
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(timedOut ? new AnswerTimeout() : error);
    };
    request.on("error", fail);
    request.once("response", (response) => {
      textOf(response).then((text) => {
        clearTimeout(timer);
        resolve({ response, text });
      }, fail);
    });
    request.end(body);
  });
}

/** A response's body as UTF-8 text. */
export function textOf(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    response.once("error", reject);
  });
}
