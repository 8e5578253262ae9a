/**
 * The four restaurants of Yelb. The order is part of the API: `/api/getvotes` lists them in it,
 * and the UI's chart colours follow it.
 */
export const RESTAURANTS = ['outback', 'bucadibeppo', 'ihop', 'chipotle'] as const;

export type Restaurant = (typeof RESTAURANTS)[number];

export function isRestaurant(name: string): name is Restaurant {
  return (RESTAURANTS as readonly string[]).includes(name);
}

export interface Vote {
  readonly name: Restaurant;
  readonly value: number;
}
