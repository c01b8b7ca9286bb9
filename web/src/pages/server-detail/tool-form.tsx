/**
 * A form generated from a tool's input schema: a labelled control per argument, required ones
 * marked, problems shown at their field (the form's own checks and the API's), and the call's
 * result: text, images and JSON, an error result shown as one.
 */
import { useId, useState } from "react";
import type { CapabilitySnapshot, ToolCallResult } from "../../api/types.js";
import { store } from "../../live/store.js";
import { argumentsOf, fieldErrorsOfResult, fieldsOf, type Field } from "./schema-fields.js";

type Tool = CapabilitySnapshot["tools"][number];

function Control({ field, id, value, error, hint, onChange }: { field: Field; id: string; value: string; error: string | undefined; hint: string | undefined; onChange: (value: string) => void }) {
  const describedBy = [hint, error ? `${id}-error` : undefined].filter(Boolean).join(" ") || undefined;
  const common = { id, name: field.name, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy, "aria-required": field.required || undefined };
  switch (field.kind) {
    case "boolean":
      return <input {...common} type="checkbox" checked={value === "true"} onChange={(event) => onChange(String(event.target.checked))} />;
    case "enum":
      return (
        <select {...common} value={value} onChange={(event) => onChange(event.target.value)}>
          {!field.required || value === "" ? <option value="">{field.required ? "Choose…" : "(none)"}</option> : null}
          {field.options.map((option) => (
            <option key={String(option)} value={String(option)}>
              {String(option)}
            </option>
          ))}
        </select>
      );
    case "number":
    case "integer":
      return <input {...common} type="text" inputMode={field.kind === "integer" ? "numeric" : "decimal"} value={value} onChange={(event) => onChange(event.target.value)} />;
    case "list":
    case "json":
      return <textarea {...common} className={field.kind === "json" ? "mono" : undefined} rows={field.kind === "json" ? 5 : 3} value={value} onChange={(event) => onChange(event.target.value)} />;
    case "string":
      return <input {...common} type="text" value={value} onChange={(event) => onChange(event.target.value)} />;
  }
}

const KIND_HINT: Partial<Record<Field["kind"], string>> = {
  list: "One value per line.",
  json: "JSON.",
  integer: "A whole number.",
  number: "A number.",
};

function ResultContent({ item }: { item: unknown }) {
  const content = item as { type?: string; text?: string; data?: string; mimeType?: string; resource?: { uri?: string; text?: string } };
  if (content.type === "text" && typeof content.text === "string") return <pre className="result-text">{content.text}</pre>;
  if (content.type === "image" && typeof content.data === "string") {
    return <img className="result-image" src={`data:${content.mimeType ?? "image/png"};base64,${content.data}`} alt="Image the tool returned" />;
  }
  if (content.type === "resource" && content.resource) {
    return (
      <div>
        <p className="muted">{content.resource.uri}</p>
        {content.resource.text !== undefined && <pre className="result-text">{content.resource.text}</pre>}
      </div>
    );
  }
  return <pre className="result-text">{JSON.stringify(item, null, 2)}</pre>;
}

function Result({ result }: { result: ToolCallResult }) {
  return (
    <section className={result.is_error ? "result result-error" : "result"} aria-labelledby="result-title" data-testid="tool-result" role={result.is_error ? "alert" : undefined}>
      <div className="result-head">
        <h4 id="result-title">{result.is_error ? "The tool answered with an error" : "Result"}</h4>
        <span className="muted">{Math.round(result.duration_ms)} ms</span>
      </div>
      {result.content.length === 0 && result.structured_content === undefined && <p className="muted">The tool returned no content.</p>}
      {result.content.map((item, index) => (
        <ResultContent key={index} item={item} />
      ))}
      {result.structured_content !== undefined && (
        <details open={result.content.length === 0}>
          <summary>Structured content</summary>
          <pre className="result-text">{JSON.stringify(result.structured_content, null, 2)}</pre>
        </details>
      )}
    </section>
  );
}

export function ToolForm({ serverId, tool, held, running }: { serverId: string; tool: Tool; held: boolean; running: boolean }) {
  const fields = fieldsOf(tool.input_schema);
  const formId = useId();
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [result, setResult] = useState<ToolCallResult | null>(null);
  const [calling, setCalling] = useState(false);

  const submit = (): void => {
    const parsed = argumentsOf(fields, values);
    setFailure(null);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      const first = fields.find((field) => parsed.errors[field.name]);
      if (first) document.getElementById(`${formId}-${first.name}`)?.focus();
      return;
    }
    setErrors({});
    setCalling(true);
    store.api
      .callTool(serverId, tool.name, parsed.arguments)
      .then((answer) => {
        setResult(answer);
        if (!answer.is_error) return;
        const text = answer.content.map((item) => (item as { text?: unknown }).text).filter((each) => typeof each === "string");
        setErrors(fieldErrorsOfResult(fields, text.join("\n")));
      })
      .catch((error: unknown) => {
        setResult(null);
        setFailure(error instanceof Error ? error.message : String(error));
      })
      .finally(() => setCalling(false));
  };

  return (
    <form
      className="tool-form"
      noValidate
      aria-label={`Call ${tool.name}`}
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      {fields.length === 0 ? (
        <p className="muted">This tool takes no arguments.</p>
      ) : (
        <>
          {fields.some((field) => field.required) && (
            <p className="muted small">
              Fields marked <span className="required-mark">*</span> are required.
            </p>
          )}
          {fields.map((field) => {
            const id = `${formId}-${field.name}`;
            const value = values[field.name] ?? field.initial;
            const hint = [field.description, KIND_HINT[field.kind]].filter(Boolean).join(" ");
            const error = errors[field.name];
            return (
              <div key={field.name} className={field.kind === "boolean" ? "field field-check" : "field"}>
                <label htmlFor={id}>
                  {field.label}
                  {field.required && (
                    <span className="required-mark" aria-hidden="true">
                      {" "}
                      *
                    </span>
                  )}
                  {field.label !== field.name && <code className="field-name">{field.name}</code>}
                </label>
                <Control
                  field={field}
                  id={id}
                  value={value}
                  error={error}
                  hint={hint ? `${id}-hint` : undefined}
                  onChange={(next) => setValues((current) => ({ ...current, [field.name]: next }))}
                />
                {hint && (
                  <p id={`${id}-hint`} className="field-hint">
                    {hint}
                  </p>
                )}
                {error && (
                  <p id={`${id}-error`} className="field-error" data-testid={`error-${field.name}`}>
                    {error}
                  </p>
                )}
              </div>
            );
          })}
        </>
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={calling || !running}>
          {calling ? "Calling…" : `Call ${tool.name}`}
        </button>
        {!running && <span className="muted">Start the server to call its tools.</span>}
        {running && held && <span className="muted">Gateway clients cannot call it until it is approved; a call from here still runs it.</span>}
      </div>
      {failure && (
        <p className="panel error" role="alert">
          {failure}
        </p>
      )}
      {result && <Result result={result} />}
    </form>
  );
}
