/** The default content-filter rewrite's wording (its own module so options and the rewrite share it). */

/** The instruction the default rewrite adds as a system message. */
export const DEFAULT_CONTENT_FILTER_INSTRUCTION =
  'Answer within your content policy. If part of the request cannot be answered, answer the rest ' +
  'and say briefly, without repeating it, what you left out.';
