/**
 * One REST read for a page: its answer, its error, and a way to ask again. A newer request
 * replaces an older one still in flight, so a slow answer never overwrites a fresh one.
 */
import { useCallback, useEffect, useRef, useState } from "react";

export interface Request<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export function useRequest<T>(load: () => Promise<T>, deps: readonly unknown[]): Request<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  // The caller names what the load depends on, as for useEffect.
  const run = useCallback(load, deps);

  const reload = useCallback(() => {
    const ticket = ++latest.current;
    setLoading(true);
    run().then(
      (value) => {
        if (ticket !== latest.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (ticket !== latest.current) return;
        setError(failure);
        setLoading(false);
      },
    );
  }, [run]);

  useEffect(() => {
    reload();
    return () => {
      latest.current++;
    };
  }, [reload]);

  return { data, error, loading, reload };
}
