import { IsString, Matches } from 'class-validator';

/** C0 controls, DEL and NUL: never part of a name, serial, key or password, and PostgreSQL refuses NUL in text. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
/** The same, with tab, line feed and carriage return allowed (free-text notes). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function hasControlCharacters(value: string, options: { multiline?: boolean } = {}): boolean {
  return (options.multiline ? CONTROL_CHARACTERS_BUT_LINE_BREAKS : CONTROL_CHARACTERS).test(value);
}

/**
 * A string without control characters: the one validator every text field of a request DTO carries.
 * `multiline` allows tab and line breaks (notes).
 */
export function IsText(options: { multiline?: boolean } = {}): PropertyDecorator {
  const forbidden = options.multiline ? CONTROL_CHARACTERS_BUT_LINE_BREAKS : CONTROL_CHARACTERS;
  return (target, property) => {
    IsString()(target, property);
    // A negative lookahead over the whole string: Matches passes when no control character occurs.
    Matches(new RegExp(`^(?![\\s\\S]*${forbidden.source})`), {
      message: `${String(property)} must not contain control characters`,
    })(target, property);
  };
}
