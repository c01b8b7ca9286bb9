// What a run's record says of its steps, for the agent runtime bench (bench/agents.mjs).

/**
 * The per-step figures of one finished run, from its record as the API answers it. Each step but
 * the last ends where the next one starts (`started_at`, ms since the epoch), so those steps are
 * measured from the first step's start to the last one's: the run's setup before the first step
 * and its recording after the last are left out. The tool calls' own time (`latency_ms`, taken by
 * the run loop around each call) is taken out, leaving what the runtime and the model cost.
 * @param {{steps: {started_at: number, model_latency_ms: number, tool_calls: {latency_ms: number}[]}[]}} run
 */
export function stepFigures(run) {
  const { steps } = run;
  if (steps.length < 2) throw new Error(`a run of ${steps.length} step(s) has no step that ends where another starts`);
  const measured = steps.slice(0, -1);
  const span = steps[steps.length - 1].started_at - steps[0].started_at;
  const toolLatencies = measured.flatMap((step) => step.tool_calls.map((call) => call.latency_ms));
  const toolMs = toolLatencies.reduce((sum, ms) => sum + ms, 0);
  const modelMs = measured.reduce((sum, step) => sum + step.model_latency_ms, 0);
  return {
    steps: measured.length,
    wall_ms_per_step: span / measured.length,
    wall_ms_per_step_excluding_tools: (span - toolMs) / measured.length,
    model_ms_per_step: modelMs / measured.length,
    tool_latencies_ms: toolLatencies,
  };
}
