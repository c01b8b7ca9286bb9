/**
 * The one place a failed command becomes text on stderr and an exit code: `error: <message>`,
 * then the code and the field problems for API errors, never a stack trace unless PYGENT_DEBUG=1.
 */
import { CommanderError } from "commander";
import { isAppError, type FieldIssue } from "../core/errors.js";
import { isApiError, issuesOf } from "./client.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from "./cli-context.js";
import { terminalSafe } from "./terminal-text.js";

const HINTS: Record<string, string> = {
  UNAUTHORIZED: "create a token with `pygent token create --role operator` and pass it with --token or PYGENT_TOKEN",
  FORBIDDEN: "this token's role is too low for the request; use an operator or admin token",
  HOST_NOT_ALLOWED: "use the address the daemon listens on (see `pygent serve --host`)",
};

/** Prints the error and returns the exit code for it. */
export function reportError(error: unknown, io: CliIo): number {
  // Commander has already printed its own message (or the help); only the exit code is left.
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;

  const lines: string[] = [];
  let exitCode = EXIT_FAILURE;
  if (error instanceof UsageError) {
    lines.push(`error: ${error.message}`);
    exitCode = EXIT_USAGE;
  } else if (isApiError(error)) {
    const issues = issuesOf(error.details);
    lines.push(`error: ${headline(error.message, issues)}`);
    // Status 0 means no answer arrived: the code would only repeat the message.
    if (error.status !== 0) lines.push(`code: ${error.code} (HTTP ${error.status})`);
    lines.push(...issueLines(issues));
    const hint = HINTS[error.code];
    if (hint) lines.push(`hint: ${hint}`);
  } else if (isAppError(error)) {
    const issues = issuesOf(error.details);
    lines.push(`error: ${headline(error.message, issues)}`);
    lines.push(...issueLines(issues));
  } else {
    lines.push(`error: ${error instanceof Error ? error.message : String(error)}`);
  }
  // Messages can quote a server's own words (a crash reason, a tool's error).
  for (const line of lines) io.err(terminalSafe(line));
  if (io.env.PYGENT_DEBUG === "1" && error instanceof Error && error.stack) io.err(error.stack);
  return exitCode;
}

function issueLines(issues: FieldIssue[]): string[] {
  return issues.map((issue) => `  ${issue.field}: ${issue.message}`);
}

/**
 * The first line of the message when issues follow it. Messages that are nothing but the
 * issues themselves ("id: may contain only ...") would print twice, so they become a count.
 */
function headline(message: string, issues: FieldIssue[]): string {
  if (issues.length === 0) return message;
  const first = issues[0];
  if (first && message.startsWith(`${first.field}: `)) return `${issues.length} problem(s) in the request`;
  return (message.split("\n", 1)[0] ?? message).replace(/:$/, "");
}
