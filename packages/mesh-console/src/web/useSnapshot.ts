import { useEffect, useState } from 'react';
import type { ConsoleSnapshot } from '../snapshot.js';

export type Connection = 'connecting' | 'live' | 'lost' | 'stopped';

/**
 * The run's snapshots as it pushes them. EventSource reconnects by itself after a dropped
 * connection; a `stopped` event means the run ended and there is nothing to reconnect to.
 */
export function useSnapshot(url: string): { snapshot: ConsoleSnapshot | null; connection: Connection; error: string | null } {
  const [snapshot, setSnapshot] = useState<ConsoleSnapshot | null>(null);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const source = new EventSource(url);
    source.addEventListener('open', () => setConnection('live'));
    source.addEventListener('snapshot', (event) => {
      try {
        setSnapshot(JSON.parse((event as MessageEvent<string>).data) as ConsoleSnapshot);
        setConnection('live');
        setError(null);
      } catch (e) {
        setError(`the run sent a snapshot the page cannot read: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
    source.addEventListener('stopped', () => {
      setConnection('stopped');
      source.close();
    });
    source.addEventListener('error', () => setConnection((c) => (c === 'stopped' ? c : 'lost')));
    return () => source.close();
  }, [url]);
  return { snapshot, connection, error };
}
