/** A link to another page of the dashboard: followed in place (history.pushState), still a real link to open in a new tab. */
import type { ReactNode } from "react";

export function PageLink({ href, navigate, className, children }: { href: string; navigate: (path: string) => void; className?: string; children: ReactNode }) {
  return (
    <a
      href={href}
      className={className}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
