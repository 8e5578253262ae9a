/**
 * The languages the guides are written in, and the shape of the prose a definition carries for them.
 *
 * Two shapes, for two kinds of reader of a field:
 * - Prose only the guides print (what a walkthrough teaches, its corrections, why a check answers as
 *   it does) is a `Localized` pair, so the English and the Japanese sit side by side.
 * - Strings other packages print as they are (a step's title and summary in the local mesh and its
 *   console, a check's title in `pnpm walkthrough check`, a response's label in its verdict) stay
 *   English strings, and their Japanese sits beside them in a `ja` field. That field is optional on
 *   the base types, so a test fixture with no guide need not translate anything, and required by
 *   `GuidedWalkthrough` (model/walkthrough.ts), the type every walkthrough with a guide is declared
 *   as: a missing translation there fails type-checking.
 */

export const LANGUAGES = ['en', 'ja'] as const;

export type Language = (typeof LANGUAGES)[number];

/** One piece of prose in every language the guides are written in. */
export type Localized = Readonly<Record<Language, string>>;

/** The Japanese of a step, beside its English `title` and `summary`. */
export interface StepJa {
  title: string;
  summary: string;
}

/** The Japanese of a check's title, beside the English one. */
export interface CheckJa {
  title: string;
}

/** The Japanese of an entry's title ("the gateway's Network Load Balancer"). */
export interface EntryJa {
  title: string;
}

/** The Japanese of a response's label ("a jazz list"); a colour or a status code is the same in both. */
export interface ResponseJa {
  label: string;
}
