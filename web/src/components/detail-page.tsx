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
}: {
  back: { href: string; label: string };
  navigate: (path: string) => void;
  titleId: string;
  name: string;
  badge: ReactNode;
  kind: string;
  actions: ReactNode;
}) {
  return (
    <>
      <PageLink href={back.href} navigate={navigate} className="back-link">
        ← {back.label}
      </PageLink>
      <div className="detail-head">
        <div className="detail-title">
          <h2 id={titleId} className="detail-name">
            {name}
          </h2>
          {badge}
          <span className="muted">{kind}</span>
        </div>
        {actions && <div className="detail-actions">{actions}</div>}
      </div>
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
