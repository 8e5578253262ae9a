import { Notices } from './components/Notices.js';
import { RestaurantCard } from './components/RestaurantCard.js';
import { VotesChart } from './components/VotesChart.js';
import { RESTAURANTS, type Counts, type RestaurantId } from './restaurants.js';
import { useYelb } from './useYelb.js';

/** The restaurant ahead of all others, if one is. */
function leaderOf(counts: Counts | null): RestaurantId | undefined {
  if (!counts) return undefined;
  const sorted = [...RESTAURANTS].sort((a, b) => counts[b.id] - counts[a.id]);
  const [first, second] = sorted;
  return first && second && counts[first.id] > counts[second.id] ? first.id : undefined;
}

function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="9" fill="#ff5a4e" />
      <path d="M11 7v7.5a2.5 2.5 0 0 0 5 0V7M13.5 7v18M21 25V7c-2.6 1.4-3.6 4.4-3.6 7.6 0 2 1.3 3 3.6 3" fill="none" stroke="#fff" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

export function App() {
  const yelb = useYelb();
  const leader = leaderOf(yelb.counts);

  return (
    <>
      <header className="topbar">
        <div className="brand">
          <Logo />
          <h1>Yelb</h1>
        </div>
        <div className="stats" data-testid="stats">
          <p className="stat">
            Number of page views so far: <strong data-testid="pageviews">{yelb.stats?.pageviews ?? '…'}</strong>
          </p>
          <p className="stat">
            App Server: <strong className="hostname" data-testid="hostname">{yelb.stats?.hostname ?? '…'}</strong>
          </p>
        </div>
      </header>

      <main className="page">
        <h2 className="welcome">Welcome to Yelb, the only hub for healthy food recommendations!</h2>
        <Notices notices={yelb.notices} onRetry={yelb.retry} onDismiss={yelb.dismiss} />

        <div className="layout">
          <section className="panel chart-panel" aria-labelledby="chart-title">
            <div className="panel-head">
              <h3 id="chart-title">Votes so far</h3>
              <button type="button" className="refresh" onClick={() => void yelb.refresh()} disabled={yelb.refreshing} aria-label="Refresh the votes">
                <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                  <path d="M20 11a8 8 0 1 0-2.3 5.7M20 4.5V11h-6.5" fill="none" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" strokeLinejoin="round" />
                </svg>
              </button>
            </div>
            <VotesChart counts={yelb.counts} />
          </section>

          <section className="cards" aria-label="Restaurants">
            {RESTAURANTS.map((restaurant) => (
              <RestaurantCard
                key={restaurant.id}
                restaurant={restaurant}
                count={yelb.counts?.[restaurant.id]}
                pending={yelb.pending.has(restaurant.id)}
                leading={leader === restaurant.id}
                onVote={() => void yelb.vote(restaurant.id)}
              />
            ))}
          </section>
        </div>
      </main>

      <p className="visually-hidden" role="status" aria-live="polite">
        {yelb.announcement}
      </p>
    </>
  );
}
