import { describe, expect, it } from "vitest";
import { meaningfulStderrLine } from "./stderr-reason.js";

describe("the stderr line that explains an exit", () => {
  it("takes a Node module error's headline over its { code } dump and the footer", () => {
    const tail = [
      "node:internal/modules/esm/resolve:854",
      "  throw new ERR_MODULE_NOT_FOUND(packageName, fileURLToPath(base), null);",
      "        ^",
      "",
      "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'zod' imported from /srv/mcp/index.js",
      "    at packageResolve (node:internal/modules/esm/resolve:854:9)",
      "    at moduleResolve (node:internal/modules/esm/resolve:927:18)",
      "{",
      "  code: 'ERR_MODULE_NOT_FOUND'",
      "}",
      "",
      "Node.js v20.20.2",
    ];
    expect(meaningfulStderrLine(tail)).toBe("Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'zod' imported from /srv/mcp/index.js");
  });

  it("takes a Python traceback's last line", () => {
    const tail = [
      "Traceback (most recent call last):",
      '  File "/srv/server.py", line 3, in <module>',
      "    raise ValueError('API_KEY is not set')",
      "ValueError: API_KEY is not set",
    ];
    expect(meaningfulStderrLine(tail)).toBe("ValueError: API_KEY is not set");
  });

  it("falls back to the last line that says anything, and to nothing", () => {
    expect(meaningfulStderrLine(["starting", "port 3000 is already in use", "", "Node.js v20.20.2"])).toBe("port 3000 is already in use");
    expect(meaningfulStderrLine(["", "Node.js v20.20.2"])).toBeUndefined();
    expect(meaningfulStderrLine([])).toBeUndefined();
  });
});
