/**
 * The artist lists of the DJ walkthrough. v2 adds each artist's home town, which is what makes
 * a canary visible in a loop of curls.
 */
export const GENRES = ['jazz', 'metal'] as const;
export const VERSIONS = ['v1', 'v2'] as const;
export type Genre = (typeof GENRES)[number];
export type Version = (typeof VERSIONS)[number];

const artists: Record<Genre, readonly { name: string; from: string }[]> = {
  jazz: [
    { name: 'Astrud Gilberto', from: 'Bahia, Brazil' },
    { name: 'Miles Davis', from: 'Alton, Illinois' },
  ],
  metal: [
    { name: 'Megadeth', from: 'Los Angeles, California' },
    { name: 'Judas Priest', from: 'West Bromwich, England' },
  ],
};

export function artistList(genre: Genre, version: Version): string[] {
  return artists[genre].map(({ name, from }) => (version === 'v2' ? `${name} (${from})` : name));
}

/** The body exactly as the original image returned it: compact JSON, no spaces between items. */
export function artistListBody(genre: Genre, version: Version): string {
  return JSON.stringify(artistList(genre, version));
}
