/**
 * Keys that would carry a personal identifier (a student's name, RA, CPF, birth date, contacts, a
 * parent), in Portuguese, Spanish or English, however a client spells them. With
 * EXTRA_FEATURE_POLICY=ignore unknown fields are dropped, but these are refused: the data must not
 * travel at all. A key is read as its skeleton before it is compared:
 *
 * 1. NFKC (fullwidth `ｎｏｍｅ`, mathematical `𝐧𝐨𝐦𝐞`, ligatures → plain letters);
 * 2. letters of other scripts that look like Latin ones (Cyrillic `о`, Greek `ο` …, after Unicode's
 *    confusables list) → the Latin letter;
 * 3. accents dropped, words split at separators and camelCase, lower case.
 *
 * A word of the key that is a short stem (`ra`, `rg`, `mae` …), or a long stem anywhere in the key
 * with its separators removed (`nome` in `nomeCompleto`, `no\u200Bme` or `nome_do_aluno`), makes it
 * an identifier. A key with letters of another script (look-alikes that spell no stem included) or
 * still outside a–z cannot be checked and is refused too. No signature field matches (a test holds
 * that).
 */

/** Look-alikes of Latin letters in Cyrillic and Greek (the common part of Unicode's confusables). */
const LATIN_LOOKALIKES: Readonly<Record<string, string>> = {
  // Cyrillic, lower then upper case
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  һ: 'h',
  і: 'i',
  ї: 'i',
  ј: 'j',
  к: 'k',
  ӏ: 'l',
  м: 'm',
  н: 'h',
  о: 'o',
  п: 'n',
  р: 'p',
  ԛ: 'q',
  г: 'r',
  ѕ: 's',
  т: 't',
  у: 'y',
  ԝ: 'w',
  х: 'x',
  с: 'c',
  ԁ: 'd',
  ɡ: 'g',
  ı: 'i',
  А: 'A',
  В: 'B',
  Е: 'E',
  Ё: 'E',
  Н: 'H',
  І: 'I',
  Ј: 'J',
  К: 'K',
  М: 'M',
  О: 'O',
  Р: 'P',
  С: 'C',
  Ѕ: 'S',
  Т: 'T',
  Х: 'X',
  У: 'Y',
  Ԛ: 'Q',
  Ԝ: 'W',
  // Greek, lower then upper case
  α: 'a',
  β: 'b',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  γ: 'y',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
};

/** Whole words that are identifiers (too short to look for inside other words). */
const WORD_STEMS = new Set([
  'ra',
  'rg',
  'id',
  'ids',
  'uuid',
  'mae',
  'pai',
  'pais',
  'madre',
  'padre',
  'dob',
  'ssn',
  'dni',
  'curp',
  'rut',
  'nis',
  'pis',
  'cns',
  'cep',
  'zip',
  'rua',
  'fone',
  'tel',
  'cel',
  'tutor',
]);

/** Stems that mark an identifier wherever they appear in the key with its separators removed. */
const PART_STEMS = [
  // names
  'nome',
  'name',
  'nombre',
  'sobrenome',
  'apelido',
  'apellido',
  'avaliador',
  // documents and student numbers
  'cpf',
  'matricula',
  'identidade',
  'identidad',
  'passaporte',
  'pasaporte',
  'passport',
  // birth
  'nasc',
  'nacimiento',
  'birth',
  'aniversario',
  // contacts
  'email',
  'mail',
  'correo',
  'telefone',
  'telefono',
  'phone',
  'celular',
  'whatsapp',
  'endereco',
  'direccion',
  'address',
  'logradouro',
  'domicilio',
  'bairro',
  // family
  'responsavel',
  'responsable',
  'filiacao',
  'parent',
  'guardian',
  'mother',
  'father',
];

const NON_LATIN_LETTER = /(?!\p{Script=Latin})\p{L}/u;

/** The words of a key after NFKC, the Latin look-alikes, accents dropped and lower case. */
export function keyWords(key: string): string[] {
  let s = '';
  for (const ch of key.normalize('NFKC')) s += LATIN_LOOKALIKES[ch] ?? ch;
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2') // camelCase
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2') // CPFResponsavel
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/**
 * Why `key` names a personal identifier: the stem it matches (from the lists above, never the
 * client's text), `non_latin` when it has letters that cannot be checked, null when it is none.
 */
export function identifierStem(key: string): string | null {
  const words = keyWords(key);
  const joined = words.join('');
  for (const w of words) if (WORD_STEMS.has(w)) return w;
  for (const stem of PART_STEMS) if (joined.includes(stem)) return stem;
  // Letters of another script (even look-alikes that spell no stem) or Latin ones outside a–z
  // (`ø`, `ß`): the key cannot be read, so it cannot be let through.
  if (/[^a-z0-9]/.test(joined) || NON_LATIN_LETTER.test(key.normalize('NFKC'))) return 'non_latin';
  return null;
}

export function isPiiKey(key: string): boolean {
  return identifierStem(key) !== null;
}
