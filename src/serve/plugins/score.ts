/**
 * POST /score: a whole cohort in one upload (multipart/form-data, one file: an .xlsx workbook or a
 * PEDE<YYYY>.csv), ranked by risk with the model being served. The upload is collected in memory up to
 * SCORE_UPLOAD_LIMIT_BYTES (never written to disk), read with ingest's readers and data contract
 * (src/score/input.ts), charged to the key's rate limit by the students it holds, scored through the
 * server's one observation point (`score`, so metrics and monitoring see every prediction) and ranked,
 * flagged and explained exactly as `defasagem score` does (src/score). The answer is JSON (default),
 * or the coordinator's xlsx / CSV file (`format=xlsx|csv`, or an Accept header naming one).
 *
 * Names are read only with include_names=true and then only echoed in the answer: they are never
 * logged, never handed to the observer (which gets the records and the RAs, for pseudonymised
 * monitoring), never stored. Messages name the upload "the uploaded file", never by its file name.
 */
import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../../core/error-base.js';
import { SCORE_ERRORS } from '../../score/errors.js';
import type { Cohort } from '../../score/input.js';
import { scoreAnswerJson } from '../../score/json.js';
import { type CapacityRequest, parseCapacity, rankCohort, resolveCapacity } from '../../score/rank.js';
import type { OutputFormat } from '../../score/score.js';
import type { ServePlugin } from '../context.js';
import { notReady } from '../http/not-ready.js';

export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const CSV_MIME = 'text/csv';

interface ScoreQuery {
  year?: number;
  capacity: CapacityRequest | null;
  includeNames: boolean;
  format: 'json' | OutputFormat;
}

const badParameter = (name: string, rule: string) =>
  new AppError(SCORE_ERRORS.UPLOAD_PARAMETER, `The parameter "${name}" is not valid: ${rule}.`, {
    field: name,
    rule,
  });

/** The answer's format: the `format` parameter wins; else an Accept naming xlsx or CSV; else JSON. */
function formatOf(raw: unknown, accept: string | undefined): ScoreQuery['format'] {
  if (raw !== undefined) {
    if (raw === 'json' || raw === 'xlsx' || raw === 'csv') return raw;
    throw badParameter('format', 'one of json, xlsx, csv');
  }
  const a = (accept ?? '').toLowerCase();
  if (a.includes(XLSX_MIME)) return 'xlsx';
  if (a.includes(CSV_MIME)) return 'csv';
  return 'json';
}

const KNOWN = new Set(['year', 'capacity', 'include_names', 'format']);

/** The query parameters, checked strictly (an unknown or repeated parameter is refused). */
function parseQuery(q: Record<string, unknown>, accept: string | undefined): ScoreQuery {
  for (const [k, v] of Object.entries(q)) {
    if (!KNOWN.has(k)) throw badParameter(k, 'unknown parameter');
    if (typeof v !== 'string') throw badParameter(k, 'given more than once');
  }
  const year = q.year as string | undefined;
  if (year !== undefined && !/^20\d\d$/.test(year)) throw badParameter('year', 'a year like 2024');
  const names = q.include_names as string | undefined;
  if (names !== undefined && names !== 'true' && names !== 'false')
    throw badParameter('include_names', 'true or false');
  const cap = q.capacity as string | undefined;
  return {
    ...(year !== undefined ? { year: Number(year) } : {}),
    capacity: cap === undefined ? null : parseCapacity(cap),
    includeNames: names === 'true',
    format: formatOf(q.format, accept),
  };
}

/** The one file of the upload, in memory, within the size limit. */
async function readUpload(
  req: FastifyRequest,
  limit: number,
): Promise<{ bytes: Buffer; filename: string; mimetype: string }> {
  if (!req.isMultipart()) {
    throw new AppError(SCORE_ERRORS.UPLOAD_NOT_MULTIPART, 'POST /score takes a multipart/form-data upload.', {
      rule: 'content_type',
    });
  }
  const tooLarge = () =>
    new AppError(SCORE_ERRORS.UPLOAD_TOO_LARGE, `The uploaded file is larger than ${limit} bytes.`, {
      rule: 'upload_limit',
      limit,
    });
  try {
    const part = await req.file({
      limits: { fileSize: limit, files: 1, fields: 10, fieldSize: 1024, parts: 11 },
    });
    if (!part) throw new AppError(SCORE_ERRORS.UPLOAD_MISSING, 'The upload holds no file.', { rule: 'file' });
    const bytes = await part.toBuffer();
    return { bytes, filename: part.filename, mimetype: part.mimetype };
  } catch (err) {
    if (isAppError(err)) throw err;
    const code = (err as { code?: string }).code;
    if (
      code === 'FST_REQ_FILE_TOO_LARGE' ||
      code === 'FST_FILES_LIMIT' ||
      code === 'FST_PARTS_LIMIT' ||
      code === 'FST_FIELDS_LIMIT'
    )
      throw tooLarge();
    // Busboy's own messages can quote the body: only the code travels.
    throw new AppError(SCORE_ERRORS.UPLOAD_MISSING, 'The multipart upload is malformed or was cut off.', {
      rule: code ?? 'multipart',
    });
  }
}

function sendFile(reply: FastifyReply, format: OutputFormat, cohort: Cohort, bytes: Buffer): void {
  reply
    .header('content-type', format === 'xlsx' ? XLSX_MIME : `${CSV_MIME}; charset=utf-8`)
    .header('content-disposition', `attachment; filename="defasagem-${cohort.year}.${format}"`)
    .header('cache-control', 'no-store')
    .send(bytes);
}

/**
 * The workbook/CSV readers and the xlsx/CSV writers (read-excel-file, write-excel-file, hyparquet, csv-parse:
 * ~180 modules) are loaded by the first /score, not at start-up: a replica that never scores a cohort
 * neither starts slower nor holds them in memory. Later calls get the already-loaded modules.
 */
const cohortIo = async () => {
  const [input, out] = await Promise.all([import('../../score/input.js'), import('../../score/score.js')]);
  return {
    readCohortUpload: input.readCohortUpload,
    renderOutput: out.renderOutput,
    scoreContext: out.scoreContext,
  };
};

export const scoreRoutes: ServePlugin = async (app, { holder, access, score, chargeStudents, settings }) => {
  // This context parses multipart only: JSON, text or a bare body get a 415 that says what to send.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) =>
    done(
      new AppError(SCORE_ERRORS.UPLOAD_NOT_MULTIPART, 'POST /score takes a multipart/form-data upload.', {
        rule: 'content_type',
      }),
    ),
  );
  await app.register(multipart, { throwFileSizeLimit: true });
  const limit = settings.scoreUploadLimitBytes;

  app.post('/score', access.predict, async (req, reply) => {
    const b = holder.current; // one read: this request uses this model to the end
    if (!b) throw notReady(holder);
    const q = parseQuery(req.query as Record<string, unknown>, req.headers.accept);
    const upload = await readUpload(req, limit);
    const { readCohortUpload, renderOutput, scoreContext } = await cohortIo();
    const cohort = await readCohortUpload(upload, {
      ...(q.year !== undefined ? { year: q.year } : {}),
      includeNames: q.includeNames,
    });
    chargeStudents(req, cohort.students.length);
    const scored = score(
      b,
      cohort.students.map((s) => s.record),
      req.id,
      'score',
      cohort.students.map((s) => s.ra),
    );
    const ranked = await rankCohort(b.model, cohort, scored, {
      capacity: resolveCapacity(q.capacity, b.metadata),
    });
    const ctx = scoreContext(b, b.bands, q.includeNames, new Date());
    if (q.format === 'json') {
      reply.header('cache-control', 'no-store');
      return scoreAnswerJson(ctx, cohort, ranked);
    }
    sendFile(reply, q.format, cohort, await renderOutput(q.format, ctx, cohort, ranked));
    return reply;
  });
};
