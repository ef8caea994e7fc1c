// One engine request per view at a time: while a request is in flight only the
// latest wanted key is remembered, so scrubbing never queues stale work, and
// the last answer stays on screen until the next one arrives.
import { useEffect, useRef, useState } from 'react';

export interface QueryState<T> {
  data: T | null;
  /** Key of `data`. */
  key: string | null;
  error: string | null;
}

export function useEngineQuery<T>(key: string | null, fetcher: () => Promise<T>): QueryState<T> {
  const [state, setState] = useState<QueryState<T>>({ data: null, key: null, error: null });
  const latest = useRef<{ key: string | null; fetcher: () => Promise<T> }>({ key, fetcher });
  const inFlight = useRef(false);
  const alive = useRef(true);
  latest.current = { key, fetcher };

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  useEffect(() => {
    if (key === null) {
      setState({ data: null, key: null, error: null });
      return;
    }
    if (inFlight.current) return;
    const pump = async () => {
      inFlight.current = true;
      let done: string | null = null;
      try {
        while (alive.current && latest.current.key !== null && latest.current.key !== done) {
          const { key: k, fetcher: f } = latest.current;
          done = k;
          try {
            const data = await f();
            if (alive.current && latest.current.key === k) setState({ data, key: k, error: null });
          } catch (err) {
            if (alive.current && latest.current.key === k) setState((s) => ({ ...s, error: err instanceof Error ? err.message : String(err) }));
          }
        }
      } finally {
        inFlight.current = false;
      }
    };
    void pump();
  }, [key]);

  return state;
}
