/**
 * A line drawing of each restaurant's signature dish (drawn for this page), so the cards are
 * told apart by shape as well as by colour.
 */
import type { RestaurantId } from '../restaurants.js';

const ONION_PETALS = [0, 45, 90, 135, 180, 225, 270, 315];

function Dish({ id }: { id: RestaurantId }) {
  switch (id) {
    case 'ihop':
      return (
        <>
          <path d="M3 20.5h18" />
          <rect x="4" y="15" width="16" height="3.5" rx="1.75" />
          <rect x="5" y="10.75" width="14" height="3.5" rx="1.75" />
          <rect x="6" y="6.5" width="12" height="3.5" rx="1.75" />
          <rect x="10" y="3.5" width="4" height="2.5" rx="0.6" />
        </>
      );
    case 'chipotle':
      return (
        <g transform="rotate(-35 12 12)">
          <rect x="2.5" y="8" width="19" height="8" rx="4" />
          <path d="M14.5 8v8M17.5 8.3v7.4" />
          <path d="M6 10.5c1 .8 2 .8 3 0M6.5 13.5c1 .8 2 .8 3 0" />
        </g>
      );
    case 'outback':
      return (
        <>
          {ONION_PETALS.map((angle) => (
            <ellipse key={angle} cx="12" cy="6.2" rx="2.2" ry="3.4" transform={`rotate(${angle} 12 12)`} />
          ))}
          <circle cx="12" cy="12" r="2.4" />
        </>
      );
    case 'bucadibeppo':
      return (
        <>
          <rect x="3" y="6" width="18" height="13" rx="2" />
          <path d="M3 10.5c2-1.3 4 1.3 6 0s4 1.3 6 0 4 1.3 6 0M3 14.5c2-1.3 4 1.3 6 0s4 1.3 6 0 4 1.3 6 0" />
          <path d="M9 2.8c-.8 1 .8 1.6 0 2.6M13 2.8c-.8 1 .8 1.6 0 2.6" />
        </>
      );
  }
}

export function RestaurantIcon({ id }: { id: RestaurantId }) {
  return (
    <svg className="dish" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <Dish id={id} />
    </svg>
  );
}
