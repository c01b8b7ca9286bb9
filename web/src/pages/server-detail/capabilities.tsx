/**
 * What a server serves, in three tabs (tools, resources, prompts). A tool opens its generated
 * form to call it; a tool the gateway holds for approval says so.
 */
import { useState, type KeyboardEvent } from "react";
import type { CapabilitySnapshot } from "../../api/types.js";
import { ToolForm } from "./tool-form.js";

type Tab = "tools" | "resources" | "prompts";
const TABS: Tab[] = ["tools", "resources", "prompts"];
const TAB_LABELS: Record<Tab, string> = { tools: "Tools", resources: "Resources", prompts: "Prompts" };

export function Capabilities({
  serverId,
  snapshot,
  unavailable,
  held,
  running,
}: {
  serverId: string;
  snapshot: CapabilitySnapshot | null;
  /** Why there is no snapshot, to show instead of the tabs. */
  unavailable: string | null;
  /** Names of the tools awaiting approval. */
  held: ReadonlySet<string>;
  running: boolean;
}) {
  const [tab, setTab] = useState<Tab>("tools");
  const [selected, setSelected] = useState<string | null>(null);

  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>): void => {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = TABS[(TABS.indexOf(tab) + step + TABS.length) % TABS.length]!;
    setTab(next);
    document.getElementById(`tab-${next}`)?.focus();
  };

  const count = (each: Tab): number => (snapshot ? snapshot[each].length : 0);
  const tool = snapshot?.tools.find((each) => each.name === selected) ?? snapshot?.tools[0] ?? null;

  return (
    <section className="panel stack-tight" aria-labelledby="capabilities-title">
      <div className="section-head">
        <h3 id="capabilities-title">Capabilities</h3>
        {snapshot && (
          <span className="muted small">
            {snapshot.server_name ?? "server"} {snapshot.server_version ?? ""} · MCP {snapshot.protocol_version ?? "?"}
          </span>
        )}
      </div>
      {!snapshot ? (
        <p className="muted empty-note">{unavailable ?? "Loading…"}</p>
      ) : (
        <>
          <div className="tabs" role="tablist" aria-label="Capabilities">
            {TABS.map((each) => (
              <button
                key={each}
                id={`tab-${each}`}
                type="button"
                role="tab"
                className="tab"
                aria-selected={each === tab}
                aria-controls={`panel-${each}`}
                tabIndex={each === tab ? 0 : -1}
                onClick={() => setTab(each)}
                onKeyDown={onTabKey}
              >
                {TAB_LABELS[each]} <span className="tab-count">{count(each)}</span>
              </button>
            ))}
          </div>
          <div id={`panel-${tab}`} role="tabpanel" aria-labelledby={`tab-${tab}`} className="tab-panel">
            {tab === "tools" &&
              (snapshot.tools.length === 0 ? (
                <p className="muted empty-note">This server offers no tools.</p>
              ) : (
                <div className="tools">
                  <ul className="tool-list" aria-label="Tools" data-testid="tool-list">
                    {snapshot.tools.map((each) => (
                      <li key={each.name}>
                        <button
                          type="button"
                          className="tool-item"
                          aria-pressed={each.name === tool?.name}
                          onClick={() => setSelected(each.name)}
                          data-testid={`tool-${each.name}`}
                        >
                          <span className="tool-name">{each.name}</span>
                          {held.has(each.name) && <span className="pill pill-warning">awaiting approval</span>}
                        </button>
                      </li>
                    ))}
                  </ul>
                  {tool && (
                    <div className="tool-detail" data-testid="tool-detail">
                      <h4 className="tool-title">
                        {tool.title ?? tool.name}
                        {tool.title && <code>{tool.name}</code>}
                      </h4>
                      {tool.description && <p className="tool-description">{tool.description}</p>}
                      <ToolForm key={`${serverId}/${tool.name}`} serverId={serverId} tool={tool} held={held.has(tool.name)} running={running} />
                    </div>
                  )}
                </div>
              ))}
            {tab === "resources" &&
              (snapshot.resources.length === 0 ? (
                <p className="muted empty-note">This server offers no resources.</p>
              ) : (
                <ul className="plain-list">
                  {snapshot.resources.map((resource) => (
                    <li key={resource.uri}>
                      <span className="item-name">{resource.name}</span> <code>{resource.uri}</code>
                      {resource.mime_type && <span className="muted small"> · {resource.mime_type}</span>}
                      {resource.description && <p className="muted small">{resource.description}</p>}
                    </li>
                  ))}
                </ul>
              ))}
            {tab === "prompts" &&
              (snapshot.prompts.length === 0 ? (
                <p className="muted empty-note">This server offers no prompts.</p>
              ) : (
                <ul className="plain-list">
                  {snapshot.prompts.map((prompt) => {
                    const args = Array.isArray(prompt.arguments) ? (prompt.arguments as { name?: string; required?: boolean }[]) : [];
                    return (
                      <li key={prompt.name}>
                        <span className="item-name">{prompt.name}</span>
                        {args.length > 0 && (
                          <span className="muted small">
                            {" "}
                            ({args.map((arg) => `${arg.name ?? "?"}${arg.required ? "" : "?"}`).join(", ")})
                          </span>
                        )}
                        {prompt.description && <p className="muted small">{prompt.description}</p>}
                      </li>
                    );
                  })}
                </ul>
              ))}
          </div>
        </>
      )}
    </section>
  );
}
