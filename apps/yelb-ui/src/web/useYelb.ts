/**
 * The page's state and the two things a visitor does: load the page, and vote.
 *
 * A vote waits for the appserver to count it and only then asks for the totals, so the chart
 * always includes the vote just cast (the original fired both calls at once and could show the
 * totals from before the vote).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, castVote, fetchStats, fetchVotes, type Stats } from './api.js';
import { restaurantById, type Counts, type RestaurantId } from './restaurants.js';

/** What a notice's button does again: the action that failed. */
export type RetryAction = { readonly kind: 'vote'; readonly id: RestaurantId } | { readonly kind: 'votes' } | { readonly kind: 'stats' };

export interface Notice {
  readonly id: number;
  readonly title: string;
  readonly detail: string;
  readonly retry?: { readonly label: string; readonly action: RetryAction };
}

export interface YelbState {
  readonly counts: Counts | null;
  readonly stats: Stats | null;
  readonly pending: ReadonlySet<RestaurantId>;
  readonly refreshing: boolean;
  readonly notices: readonly Notice[];
  /** The latest outcome, read out by screen readers. */
  readonly announcement: string;
  vote(id: RestaurantId): Promise<void>;
  refresh(): Promise<void>;
  /** Dismisses the notice and tries its action again. */
  retry(notice: Notice): void;
  dismiss(id: number): void;
}

const MAX_NOTICES = 3;

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something unexpected went wrong in the page.';
}

export function useYelb(): YelbState {
  const [counts, setCounts] = useState<Counts | null>(null);
  const [stats, setStats] = useState<Stats | null>(null);
  const [pending, setPending] = useState<ReadonlySet<RestaurantId>>(new Set());
  const [refreshing, setRefreshing] = useState(false);
  const [notices, setNotices] = useState<readonly Notice[]>([]);
  const [announcement, setAnnouncement] = useState('');
  const nextNoticeId = useRef(1);
  // Totals requested later know about more votes; an older answer that arrives late must not win.
  const votesAsked = useRef(0);
  const votesShown = useRef(0);
  const inFlight = useRef(new Set<RestaurantId>());

  const notify = useCallback((notice: Omit<Notice, 'id'>) => {
    const id = nextNoticeId.current++;
    setNotices((current) => [...current.filter((n) => n.title !== notice.title), { ...notice, id }].slice(-MAX_NOTICES));
    setAnnouncement(`${notice.title} ${notice.detail}`);
  }, []);

  const dismiss = useCallback((id: number) => setNotices((current) => current.filter((n) => n.id !== id)), []);

  const loadVotes = useCallback(async (): Promise<Counts> => {
    const asked = ++votesAsked.current;
    const latest = await fetchVotes();
    if (asked > votesShown.current) {
      votesShown.current = asked;
      setCounts(latest);
    }
    return latest;
  }, []);

  const refresh = useCallback(async () => {
    setRefreshing(true);
    try {
      await loadVotes();
    } catch (error) {
      notify({ title: 'The votes could not be loaded.', detail: messageOf(error), retry: { label: 'Try again', action: { kind: 'votes' } } });
    } finally {
      setRefreshing(false);
    }
  }, [loadVotes, notify]);

  const loadStats = useCallback(async () => {
    try {
      setStats(await fetchStats());
    } catch (error) {
      notify({ title: 'The page views and app server name could not be loaded.', detail: messageOf(error), retry: { label: 'Try again', action: { kind: 'stats' } } });
    }
  }, [notify]);

  const vote = useCallback(
    async (id: RestaurantId) => {
      if (inFlight.current.has(id)) return;
      inFlight.current.add(id);
      setPending(new Set(inFlight.current));
      const { name } = restaurantById(id);
      try {
        let counted: number | undefined;
        try {
          counted = await castVote(id);
        } catch (error) {
          notify({ title: `Your vote for ${name} was not counted.`, detail: messageOf(error), retry: { label: 'Vote again', action: { kind: 'vote', id } } });
          return;
        }
        try {
          const latest = await loadVotes();
          setAnnouncement(`Vote for ${name} counted. ${name} now has ${latest[id]} ${latest[id] === 1 ? 'vote' : 'votes'}.`);
        } catch (error) {
          // The vote itself went through: show what the appserver said rather than lose it.
          if (counted !== undefined) setCounts((current) => (current ? { ...current, [id]: counted } : current));
          notify({ title: `Your vote for ${name} was counted, but the chart could not be refreshed.`, detail: messageOf(error), retry: { label: 'Refresh', action: { kind: 'votes' } } });
        }
      } finally {
        inFlight.current.delete(id);
        setPending(new Set(inFlight.current));
      }
    },
    [loadVotes, notify],
  );

  const retry = useCallback(
    (notice: Notice) => {
      dismiss(notice.id);
      const action = notice.retry?.action;
      if (action?.kind === 'vote') void vote(action.id);
      else if (action?.kind === 'votes') void refresh();
      else if (action?.kind === 'stats') void loadStats();
    },
    [dismiss, vote, refresh, loadStats],
  );

  // One getstats per page load: it is what counts the page view. The ref keeps React's
  // development double-run of effects from counting two.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void refresh();
    void loadStats();
  }, [refresh, loadStats]);

  return { counts, stats, pending, refreshing, notices, announcement, vote, refresh, retry, dismiss };
}
