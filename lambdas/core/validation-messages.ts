// Plain-English messages for the few zod issues our schemas leave to the default. We use zod/mini, which ships no
// locale (that is most of its cold-start saving), so without this a wrong type would read "Invalid input". Passed
// per parse (`{ error: plainMessages }`), never installed globally. Like every message here, none echoes a value.
import type * as z from 'zod/mini';

const plural = (n: number, word: string) => `${word}${n === 1 ? '' : 's'}`;

export function plainMessages(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${String(issue.expected)}`;
    case 'unrecognized_keys': {
      const keys = (issue as { keys?: string[] }).keys ?? [];
      return `has unknown ${plural(keys.length, 'field')}: ${keys.join(', ')}`;
    }
    case 'invalid_value':
    case 'invalid_union':
      return 'is not an allowed value';
    case 'too_small':
      return 'is too small or too short';
    case 'too_big':
      return 'is too big or too long';
    default:
      return undefined;
  }
}

/** Parse options shared by every safeParse whose message reaches a person. */
export const PLAIN = { error: plainMessages } as const;
