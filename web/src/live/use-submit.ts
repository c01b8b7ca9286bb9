/**
 * A form's request to the daemon: whether it is under way, and when it is refused, the fields the
 * daemon named (to show at those fields) or else what went wrong, in words.
 */
import { useState } from "react";
import { ApiError, type FieldIssue } from "../api/client.js";
import { errorText } from "../components/api-problem.js";

export interface Submit {
  busy: boolean;
  issues: FieldIssue[];
  failure: string | null;
  /** Runs `work`; `onDone` gets its answer, and the problems of an earlier try are cleared. */
  run<T>(work: () => Promise<T>, onDone: (value: T) => void): void;
  /** Problems found before sending, shown as the daemon's are. */
  refuse(issues: FieldIssue[]): void;
}

/** `refused` begins the sentence that says the form was refused: "The agent was not created". */
export function useSubmit(refused: string): Submit {
  const [busy, setBusy] = useState(false);
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [failure, setFailure] = useState<string | null>(null);

  const refuse = (found: FieldIssue[]): void => {
    setIssues(found);
    setFailure(`${refused}: correct the fields marked below.`);
  };

  const run = <T>(work: () => Promise<T>, onDone: (value: T) => void): void => {
    setBusy(true);
    setFailure(null);
    work()
      .then((value) => {
        setIssues([]);
        onDone(value);
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.issues.length > 0) return refuse(error.issues);
        setIssues([]);
        setFailure(`${refused}: ${errorText(error)}`);
      })
      .finally(() => setBusy(false));
  };

  return { busy, issues, failure, run, refuse };
}
