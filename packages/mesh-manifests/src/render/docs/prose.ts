/**
 * The definition's prose in one guide language. English is the field itself; Japanese is the `ja`
 * beside it, which `GuidedWalkthrough` makes required for every walkthrough with guides. A
 * walkthrough typed only as `Walkthrough` (a test fixture) may lack it: rendering its Japanese guide
 * then fails here, naming what to add, rather than printing English in a Japanese guide.
 */
import type { Check, Entry, ExpectedResponse } from '../../model/checks.js';
import type { Language } from '../../model/text.js';
import type { Step } from '../../model/walkthrough.js';

export class MissingTranslationError extends Error {
  constructor(what: string) {
    super(`${what} has no Japanese form: add \`ja\` beside its English in the definition`);
    this.name = 'MissingTranslationError';
  }
}

function japanese<T>(ja: T | undefined, what: string): T {
  if (ja === undefined) throw new MissingTranslationError(what);
  return ja;
}

export function stepTitle(step: Step, lang: Language): string {
  return lang === 'en' ? step.title : japanese(step.ja, `step ${step.name}`).title;
}

export function stepSummary(step: Step, lang: Language): string {
  return lang === 'en' ? step.summary : japanese(step.ja, `step ${step.name}`).summary;
}

export function checkTitle(check: Check, lang: Language): string {
  return lang === 'en' ? check.title : japanese(check.ja, `check ${check.name}`).title;
}

export function entryTitle(entry: Entry, lang: Language): string {
  return lang === 'en' ? entry.title : japanese(entry.ja, `entry ${entry.name}`).title;
}

export function responseLabel(response: ExpectedResponse, lang: Language): string {
  return lang === 'en' ? response.label : japanese(response.ja, `response "${response.label}"`).label;
}
