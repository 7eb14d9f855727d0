/**
 * The optional per-student `id` of /predict: an opaque key the client chooses so it can match each
 * prediction back to its own row. It is echoed in that student's prediction and nowhere else: never
 * logged, never in an error, never handed to the scorer or the prediction observer (it is not part of
 * the student record).
 *
 * It must be a key, not a personal identifier. Syntax: 1–64 characters of `A-Z a-z 0-9 _ -` (as the
 * OIP request id). On top of that, ids shaped like the identifiers a coordinator has at hand are
 * refused, so an RA or a CPF cannot slip in as the key:
 *
 * - an RA (`RA-123`, `ra_123`, `RA123`) or PEDE's anonymised name (`Aluno-123`, which carries the RA's
 *   number), or a part naming a document (`cpf`, `rg`, `rne`, `nis`, `pis`, `matricula`);
 * - a long number: 9 or more digits in a row, separators between digits ignored (a CPF `12345678909`
 *   or `123-456-789-09`, a phone, São Paulo's school RA, a NIS), except inside a UUID or a long hex
 *   part (random ids whose digit runs are chance);
 * - a date (`2012-03-17`, `17-03-2012`, `17_3_2012`): a birth date is personal data.
 *
 * What passes: a row number (`17`, up to 8 digits), `linha-17`, a UUID, a local pseudonym such as
 * `k3f9q2`. No rule can prove a key is not personal: the documentation asks for row numbers or
 * pseudonyms and says RA must not be used.
 */

/** Why an id is refused: its syntax, or a shape that looks like a personal identifier. */
export type IdRule = 'id_format' | 'id_personal';

export const STUDENT_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const SYNTAX = new RegExp(STUDENT_ID_PATTERN);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A part (between `-` / `_`) that is a long hex string with a letter in it: a trace id or a hash. */
const HEX_PART = /^(?=[0-9]*[a-f])[0-9a-f]{16,}$/i;
/** A part naming a student number or a document, alone or followed by its number. */
const DOCUMENT_PART = /^(ra|aluno|aluna|cpf|rg|rne|nis|pis|matricula)\d*$/i;
const LONG_NUMBER = /\d{9,}/;
const DATE = /(?:^|[-_])(?:\d{4}[-_]\d{1,2}[-_]\d{1,2}|\d{1,2}[-_]\d{1,2}[-_]\d{4})(?:$|[-_])/;

function looksPersonal(id: string): boolean {
  if (UUID.test(id)) return false;
  const parts = id.split(/[-_]/);
  if (parts.some((p) => DOCUMENT_PART.test(p))) return true;
  if (DATE.test(id)) return true;
  // Digits joined across separators, hex parts left out (each becomes a break between numbers).
  const digits = parts.map((p) => (HEX_PART.test(p) ? '/' : p)).join('');
  return LONG_NUMBER.test(digits);
}

/** The rule a client's `id` breaks, or null when it may be echoed. */
export function studentIdRule(id: unknown): IdRule | null {
  if (typeof id !== 'string' || !SYNTAX.test(id)) return 'id_format';
  return looksPersonal(id) ? 'id_personal' : null;
}
