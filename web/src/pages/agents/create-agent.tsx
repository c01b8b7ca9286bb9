/**
 * The form that creates an agent from a template: its name, the template (with what it does and
 * its settings as placeholders), and the few settings worth changing at once — tools, step limit,
 * temperature, memory. The daemon validates; its problems are shown at the fields they name.
 */
import { useState, type FormEvent } from "react";
import type { AgentTemplate, AgentView, NewAgent } from "../../api/types.js";
import { FieldError, FormFailure, invalidProps, issuesFor, TextField } from "../../components/field-errors.js";
import { store } from "../../live/store.js";
import { useSubmit } from "../../live/use-submit.js";
import { numberOrUnset } from "../../number-field.js";

type Settings = NonNullable<NewAgent["settings"]>;

export function CreateAgent({ templates, onCreated }: { templates: AgentTemplate[]; onCreated: (agent: AgentView) => void }) {
  const [name, setName] = useState("");
  const [type, setType] = useState<AgentTemplate["type"]>(templates.find((each) => each.type === "general")?.type ?? templates[0]!.type);
  const [tools, setTools] = useState("");
  const [maxSteps, setMaxSteps] = useState("");
  const [temperature, setTemperature] = useState("");
  const [memory, setMemory] = useState<"template" | "on" | "off">("template");
  const form = useSubmit("The agent was not created");
  const template = templates.find((each) => each.type === type) ?? templates[0]!;

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const settings: Settings = {
      ...(tools.trim() !== "" ? { tools: tools.split(",").map((each) => each.trim()).filter(Boolean) } : {}),
      ...(numberOrUnset(maxSteps) !== undefined ? { max_steps: numberOrUnset(maxSteps) } : {}),
      ...(numberOrUnset(temperature) !== undefined ? { temperature: numberOrUnset(temperature) } : {}),
      ...(memory !== "template" ? { memory: { enabled: memory === "on" } } : {}),
    };
    form.run(() => store.api.createAgent({ name, type, ...(Object.keys(settings).length > 0 ? { settings } : {}) }), onCreated);
  };

  const memoryErrors = issuesFor(form.issues, "settings.memory", true);

  return (
    <form className="panel form" onSubmit={submit} aria-labelledby="create-agent-title" noValidate>
      <h3 id="create-agent-title">New agent</h3>
      <FormFailure text={form.failure} />
      <div className="form-grid">
        <TextField id="agent-name" label="Name" value={name} onChange={setName} placeholder="scribe" messages={issuesFor(form.issues, "name")} />
        <div className="field">
          <label htmlFor="agent-template">Template</label>
          <select id="agent-template" value={type} onChange={(event) => setType(event.target.value as AgentTemplate["type"])} aria-describedby="agent-template-description">
            {templates.map((each) => (
              <option key={each.type} value={each.type}>
                {each.type}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="muted small" id="agent-template-description">
        {template.description}
      </p>
      <fieldset className="fieldset">
        <legend>Settings (empty: the template's)</legend>
        <div className="form-grid">
          <TextField
            id="agent-tools"
            label="Tools, comma-separated"
            value={tools}
            onChange={setTools}
            placeholder={template.settings.tools.join(", ")}
            messages={issuesFor(form.issues, "settings.tools", true)}
          />
          <TextField
            id="agent-steps"
            label="Step limit"
            inputMode="numeric"
            value={maxSteps}
            onChange={setMaxSteps}
            placeholder={String(template.settings.max_steps)}
            messages={issuesFor(form.issues, "settings.max_steps")}
          />
          <TextField
            id="agent-temperature"
            label="Temperature"
            inputMode="decimal"
            value={temperature}
            onChange={setTemperature}
            placeholder={String(template.settings.temperature)}
            messages={issuesFor(form.issues, "settings.temperature")}
          />
          <div className="field">
            <label htmlFor="agent-memory">Memory</label>
            <select id="agent-memory" value={memory} onChange={(event) => setMemory(event.target.value as typeof memory)} {...invalidProps(memoryErrors, "agent-memory-error")}>
              <option value="template">as the template ({template.settings.memory.enabled ? "on" : "off"})</option>
              <option value="on">on</option>
              <option value="off">off</option>
            </select>
            <FieldError id="agent-memory-error" messages={memoryErrors} />
          </div>
        </div>
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={form.busy}>
          Create agent
        </button>
      </div>
    </form>
  );
}
