/**
 * Agents asking each other over MCP: `pygent__ask_agent` sends a question to an agent on the bus
 * (request/reply, on the agent's own subject) and answers with what that agent's run came to. It
 * takes the path of every tool call, so an agent asks another through its gateway session with the
 * same allowlist, audit and counters; the asker is named in the request (and in the dead-letter
 * log when nobody answered). The Agent Factory answers: one run at a time per agent, so a
 * question to an agent that is busy (asking back included) is refused rather than queued.
 */
import { z } from "zod";
import { agentAskSubject, type RequestReply } from "../bus/index.js";
import { defineBuiltin, jsonResult, type BuiltinTool } from "./builtin-tools.js";

/** How long an asker waits by default, and at most, for the other agent's run to end. */
export const ASK_TIMEOUT_SECONDS = { default: 120, max: 1800 } as const;

const AskAgentInput = z.object({
  agent_id: z.string().min(1, "must not be empty").max(64, "must be at most 64 characters").describe("The id of the agent to ask"),
  question: z.string().min(1, "must not be empty").max(20_000, "must be at most 20000 characters").describe("The task or question, as the asked agent's run gets it"),
  timeout_seconds: z
    .number()
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(ASK_TIMEOUT_SECONDS.max, `must be at most ${ASK_TIMEOUT_SECONDS.max}`)
    .optional()
    .describe(`How long to wait for the answer (default ${ASK_TIMEOUT_SECONDS.default})`),
});

export function agentBuiltins(requests: Pick<RequestReply, "request">): BuiltinTool[] {
  return [
    defineBuiltin({
      name: "ask_agent",
      description:
        "Asks another PyGent agent: its run gets the question as its task and this answers with the run's id, status and answer. " +
        "An agent that is stopped or busy (one run at a time) refuses, and the error says why.",
      input: AskAgentInput,
      role: "operator",
      readOnly: false,
      run: async (args, context) => {
        const reply = await requests.request(agentAskSubject(args.agent_id), { question: args.question }, {
          from: context.caller,
          timeoutMs: (args.timeout_seconds ?? ASK_TIMEOUT_SECONDS.default) * 1000,
        });
        return jsonResult({ ...(reply as Record<string, unknown>) });
      },
    }),
  ];
}
