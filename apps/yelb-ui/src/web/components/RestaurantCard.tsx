import type { CSSProperties } from 'react';
import type { Restaurant } from '../restaurants.js';
import { RestaurantIcon } from './RestaurantIcon.js';

export interface RestaurantCardProps {
  restaurant: Restaurant;
  count: number | undefined;
  pending: boolean;
  leading: boolean;
  onVote: () => void;
}

export function RestaurantCard({ restaurant, count, pending, leading, onVote }: RestaurantCardProps) {
  const { id, name, tagline, colour, tint } = restaurant;
  const style = { '--accent': colour, '--tint': tint } as CSSProperties;
  return (
    <article className="card" style={style} aria-labelledby={`${id}-name`} data-restaurant={id}>
      <div className="card-head">
        <span className="card-icon">
          <RestaurantIcon id={id} />
        </span>
        <div className="card-title">
          <div className="card-name">
            <h3 id={`${id}-name`}>{name}</h3>
            {leading && <span className="badge">Leading</span>}
          </div>
          <p className="tagline">{tagline}</p>
        </div>
      </div>
      <div className="card-foot">
        <p className="count" aria-live="polite">
          <span className="count-value" data-testid={`count-${id}`}>
            {count ?? '–'}
          </span>
          <span className="count-unit">{count === 1 ? 'vote' : 'votes'}</span>
        </p>
        <button type="button" className="vote" onClick={onVote} disabled={pending} aria-busy={pending} aria-label={`Vote for ${name}`}>
          {pending ? 'Voting…' : 'Vote'}
        </button>
      </div>
    </article>
  );
}
