/** The page of one thing (an agent, an evolution run): the way back, its heading with its state and actions, and what shows until it has loaded. */
import type { ReactNode } from "react";
import type { Request } from "../live/use-request.js";
import { ApiProblem } from "./api-problem.js";
import { PageLink } from "./page-link.js";

export function DetailHead({
  back,
  navigate,
  titleId,
  name,
  badge,
  kind,
  actions,
  children,
}: {
  back: { href: string; label: string };
  navigate: (path: string) => void;
  titleId: string;
  name: string;
  badge: ReactNode;
  kind: string;
  actions: ReactNode;
  /** Its facts, under the state. */
  children: ReactNode;
}) {
  return (
    <>
      <PageLink href={back.href} navigate={navigate} className="back-link">
        ← {back.label}
      </PageLink>
      <section className="panel detail-head" aria-labelledby={titleId}>
        <div className="detail-title">
          <div>
            <h2 id={titleId} className="detail-name">
              {name}
            </h2>
            <p className="muted small">{kind}</p>
          </div>
          {actions && <div className="detail-actions">{actions}</div>}
        </div>
        <div className="detail-status">{badge}</div>
        {children}
      </section>
    </>
  );
}

/** "Loading…" until the thing has loaded, or why it could not be, with the way back. */
export function Unloaded({
  request,
  title,
  back,
  navigate,
}: {
  request: Request<unknown>;
  title: string;
  back: { href: string; label: string };
  navigate: (path: string) => void;
}) {
  if (!request.error) {
    return (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  }
  return (
    <section className="stack" aria-labelledby="unloaded-title">
      <PageLink href={back.href} navigate={navigate} className="back-link">
        ← {back.label}
      </PageLink>
      <h2 id="unloaded-title">{title}</h2>
      <ApiProblem error={request.error} what={title} onRetry={request.reload} />
    </section>
  );
}
