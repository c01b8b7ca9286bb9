// A JSON POST over node:http on a kept-alive agent, with nothing else in the way: the bench's bare
// client, so that what it measures is the daemon rather than an HTTP client's own cost.
import http from "node:http";

/** POSTs `body` as JSON; resolves with the status, headers and the answer's text. */
export function barePost(url, agent, body, headers = {}) {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "content-length": Buffer.byteLength(data), ...headers },
      },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode, headers: response.headers, text: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    request.on("error", reject);
    request.end(data);
  });
}
