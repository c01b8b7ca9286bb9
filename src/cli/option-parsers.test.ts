/** Command-line value parsers: bad values are usage errors naming what was expected. */
import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { collectKeyValue, collectToolArg, parseDuration, parseJsonObject, parsePort, parsePositiveInt, splitCommandLine } from "./option-parsers.js";

describe("option parsers", () => {
  it("accepts ports 0..65535 only", () => {
    expect(parsePort("0")).toBe(0);
    expect(parsePort("8000")).toBe(8000);
    for (const bad of ["65536", "-1", "80a", "", "1.5"]) expect(() => parsePort(bad)).toThrow(InvalidArgumentError);
  });

  it("accepts whole numbers above 0 for limits", () => {
    expect(parsePositiveInt("50")).toBe(50);
    for (const bad of ["0", "-3", "2.5", "ten"]) expect(() => parsePositiveInt(bad)).toThrow(InvalidArgumentError);
  });

  it("reads durations in s, m, h and d as seconds", () => {
    expect([parseDuration("90s"), parseDuration("15m"), parseDuration("12h"), parseDuration("30d")]).toEqual([90, 900, 43_200, 2_592_000]);
    for (const bad of ["30", "0d", "-1d", "1.5h", "30x", "d", ""]) expect(() => parseDuration(bad), bad).toThrow(InvalidArgumentError);
  });

  it("collects repeated KEY=VALUE pairs, keeping '=' inside values", () => {
    const env = collectKeyValue("B=x=y", collectKeyValue("A=1", undefined));
    expect(env).toEqual({ A: "1", B: "x=y" });
    expect(collectKeyValue("EMPTY=", undefined)).toEqual({ EMPTY: "" });
    expect(() => collectKeyValue("=1", undefined)).toThrow(/KEY=VALUE/);
    expect(() => collectKeyValue("NOVALUE", undefined)).toThrow(/KEY=VALUE/);
  });

  it("reads tool arguments as text with = and as JSON with :=", () => {
    let args = collectToolArg("path=/tmp", undefined);
    args = collectToolArg("zip=02139", args);
    args = collectToolArg("depth:=3", args);
    args = collectToolArg('opts:={"hidden":true}', args);
    expect(args).toEqual({ path: "/tmp", zip: "02139", depth: 3, opts: { hidden: true } });
    expect(() => collectToolArg("n:=nope", undefined)).toThrow(/must be JSON/);
    expect(() => collectToolArg("flag", undefined)).toThrow(/name=text/);
  });

  it("requires --args to be a JSON object", () => {
    expect(parseJsonObject('{"a":1}')).toEqual({ a: 1 });
    expect(() => parseJsonObject("[1]")).toThrow(/JSON object/);
    expect(() => parseJsonObject("{a:1}")).toThrow(/must be JSON/);
  });

  it("splits a command line like a shell, without running one", () => {
    expect(splitCommandLine("npx -y @modelcontextprotocol/server-filesystem /tmp")).toEqual([
      "npx",
      "-y",
      "@modelcontextprotocol/server-filesystem",
      "/tmp",
    ]);
    expect(splitCommandLine(`python -m "my server" 'a b' c\\ d "q\\"x" $HOME`)).toEqual([
      "python",
      "-m",
      "my server",
      "a b",
      "c d",
      'q"x',
      "$HOME",
    ]);
    expect(splitCommandLine("  a   ''  ")).toEqual(["a", ""]);
    expect(() => splitCommandLine('node "unclosed')).toThrow(/unterminated/);
  });
});
