/** A line to copy (a URL, a command), shown as code, with a Copy button that says when it worked. */
import { useState } from "react";

export function CopyLine({ label, text, testId }: { label: string; text: string; testId?: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const copy = (): void => {
    navigator.clipboard.writeText(text).then(
      () => setCopied("yes"),
      () => setCopied("no"),
    );
  };
  return (
    <div className="copy-line">
      <code data-testid={testId}>{text}</code>
      <button type="button" className="button" onClick={copy} aria-label={`Copy ${label}`}>
        {copied === "yes" ? "Copied" : "Copy"}
      </button>
      <span className="visually-hidden" role="status">
        {copied === "yes" ? `${label} copied` : copied === "no" ? "The browser did not allow copying; select the text instead." : ""}
      </span>
    </div>
  );
}
