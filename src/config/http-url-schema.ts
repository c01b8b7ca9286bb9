/** The URL rule of every http(s) endpoint in the config file. */
import { z } from "zod";

/** An absolute http(s) URL; other schemes (file:, ftp:, ...) are refused naming the scheme. */
export const HttpUrlSchema = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: "must be an absolute http(s) URL" });
    return;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    ctx.addIssue({ code: "custom", message: `must use http or https, not ${url.protocol.replace(":", "")}` });
  }
});
