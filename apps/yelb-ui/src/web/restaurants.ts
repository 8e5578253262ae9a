/**
 * The four restaurants, in the order the page shows them. Each has one colour used by its card,
 * its button and its slice of the chart, so a learner can match them at a glance from the back
 * of the room. All four pass WCAG AA (4.5:1) for white text on them.
 */
export const RESTAURANTS = [
  { id: 'ihop', name: 'IHOP', tagline: 'Pancakes, for a powerful start!', colour: '#1d4ed8', tint: '#e0e9ff' },
  { id: 'chipotle', name: 'Chipotle', tagline: 'Burritos, for a mid-day break!', colour: '#b4231a', tint: '#fde4e1' },
  { id: 'outback', name: 'Outback', tagline: 'Blooming onion, what else?', colour: '#a34a04', tint: '#fdebd6' },
  { id: 'bucadibeppo', name: 'Buca di Beppo', tagline: 'Lasagne, this is heaven!', colour: '#167037', tint: '#dcf3e3' },
] as const;

export type Restaurant = (typeof RESTAURANTS)[number];
export type RestaurantId = Restaurant['id'];
export type Counts = Readonly<Record<RestaurantId, number>>;

export function isRestaurantId(value: unknown): value is RestaurantId {
  return RESTAURANTS.some((r) => r.id === value);
}

export function restaurantById(id: RestaurantId): Restaurant {
  return RESTAURANTS.find((r) => r.id === id)!;
}

export function totalVotes(counts: Counts): number {
  return RESTAURANTS.reduce((sum, r) => sum + counts[r.id], 0);
}
