import { defineErrors, EXIT } from '../core/error-base.js';

/**
 * HTTP API errors. Every 4xx a client can meet has its own stable code; `details` names the field and
 * the rule and never echoes the offending value (it may be a name or a CPF).
 */
export const SERVE_ERRORS = defineErrors('API', {
  NOT_READY: {
    http: 503,
    exit: EXIT.environment,
    title: 'No model is loaded',
    hint: 'Check GET /ready for the reason; fix the model source (MODEL_VERSION, REGISTRY_DIR, MODEL_PATH).',
  },
  MODEL_LOAD_FAILED: {
    http: 503,
    exit: EXIT.integrity,
    title: 'The model could not be loaded, verified or warmed up',
    hint: 'Read the reason, then fix the model source (`defasagem registry verify`, MODEL_VERSION, MODEL_PATH); with ON_MODEL_ERROR=not-ready the server starts and waits for a valid model.',
  },
  MALFORMED_JSON: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The request body is not valid JSON',
    hint: 'Send one JSON object; NaN, Infinity, comments and trailing commas are not JSON (send null for a missing value).',
  },
  EMPTY_BODY: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The request has no body',
    hint: 'Send a JSON object with the student fields (see GET /metadata or /docs) and Content-Type: application/json.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    http: 415,
    exit: EXIT.invalidInput,
    title: 'The request body is not declared as JSON',
    hint: 'Send the body with the header Content-Type: application/json.',
  },
  BODY_TOO_LARGE: {
    http: 413,
    exit: EXIT.invalidInput,
    title: 'The request body is larger than the server accepts',
    hint: 'Split the students into smaller batches (see MAX_INSTANCES and BODY_LIMIT_BYTES in docs/api.md).',
  },
  BODY_SHAPE: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The request body does not have the expected shape',
    hint: 'Send one student object, or {"instances": [student, ...]} with at least one student.',
  },
  TOO_MANY_INSTANCES: {
    http: 413,
    exit: EXIT.invalidInput,
    title: 'Too many students in one request',
    hint: 'Send at most MAX_INSTANCES students per request (default 1000) and split larger cohorts.',
  },
  MISSING_FIELD: {
    http: 422,
    exit: EXIT.invalidInput,
    title: 'A required student field is missing',
    hint: 'Send every required field of the signature (GET /metadata); optional fields may be null.',
  },
  INVALID_FIELD: {
    http: 422,
    exit: EXIT.invalidInput,
    title: 'A student field has the wrong type, range or category',
    hint: 'Fix the field named in details per its rule (GET /metadata lists types, ranges and categories); numbers must be JSON numbers, not strings.',
  },
  UNKNOWN_FIELD: {
    http: 422,
    exit: EXIT.invalidInput,
    title: 'The request has a field the model does not know',
    hint: 'Remove the field, or set EXTRA_FEATURE_POLICY=ignore on the server to drop unknown fields.',
  },
  PII_FIELD: {
    http: 422,
    exit: EXIT.invalidInput,
    title: 'The request carries a personal identifier (name, RA, CPF)',
    hint: 'Never send names, RA or CPF to the API: the model does not use them and they must not travel (LGPD).',
  },
  INVALID_STUDENT_ID: {
    http: 422,
    exit: EXIT.invalidInput,
    title: 'A student "id" is not an opaque key of 1 to 64 characters, or looks like a personal identifier',
    hint: '"id" is optional and only matches each prediction to your own row: send 1 to 64 characters of A-Z a-z 0-9 _ -, such as the row number or a pseudonym of your own; never an RA, CPF, name, phone or birth date (ids shaped like one are refused), and no id twice in one batch.',
  },
  INVALID_BATCH: {
    http: 422,
    exit: EXIT.invalidInput,
    title: 'One or more students of the batch are invalid; nothing was scored',
    hint: 'Fix every student listed in details.problems ("student" is the 1-based position in "instances"; details.total_problems counts them all, the list shows the first 100) and send the whole batch again.',
  },
  INVALID_TENSOR: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The inference request does not follow the Open Inference Protocol v2 tensor shapes',
    hint: 'Send {"inputs": [{"name", "datatype", "shape", "data"}]} with one tensor per signature field, all of the same length.',
  },
  MODEL_NOT_FOUND: {
    http: 404,
    exit: EXIT.notFound,
    title: 'No model with that name is served here',
    hint: 'This server serves one model, named "defasagem" (GET /v2/models/defasagem).',
  },
  VERSION_NOT_LOADED: {
    http: 404,
    exit: EXIT.notFound,
    title: 'The requested model version is not the one loaded',
    hint: 'Ask GET /metadata for the loaded version, or call the unversioned endpoint; the server never answers with another version.',
  },
  UNAUTHORIZED: {
    http: 401,
    exit: EXIT.policy,
    title: 'A valid API key is required',
    hint: 'Send the key in the X-API-Key header or as Authorization: Bearer <key>.',
  },
  FORBIDDEN: {
    http: 403,
    exit: EXIT.policy,
    title: 'The API key does not have the role this endpoint needs',
    hint: 'Use a key with the role named in details (predict or admin); see API_KEYS in docs/api.md.',
  },
  RATE_LIMITED: {
    http: 429,
    exit: EXIT.policy,
    title: 'Too many students or requests in flight for this key',
    hint: 'Wait for the number of seconds in the Retry-After header. Each key may score RATE_LIMIT_MAX students per window (a batch of n costs n) with at most RATE_LIMIT_CONCURRENCY requests in flight; details.rule says which bound was hit.',
  },
  AUTH_THROTTLED: {
    http: 429,
    exit: EXIT.policy,
    title: 'Too many failed API-key attempts from this address',
    hint: 'Wait for the number of seconds in the Retry-After header, then send a valid key (X-API-Key or Authorization: Bearer); AUTH_FAILURE_LIMIT sets how many failures a minute an address may make.',
  },
  HOST_NOT_ALLOWED: {
    http: 403,
    exit: EXIT.policy,
    title:
      'The request is addressed to a host name, or comes from a page, this keyless server does not accept',
    hint: 'Without API keys the server answers only requests to localhost, 127.0.0.1 or ::1 (and POSTs from pages on those). Call it by one of those names, list your own name in ALLOWED_HOSTS, or set API_KEYS.',
  },
  ROUTE_NOT_FOUND: {
    http: 404,
    exit: EXIT.notFound,
    title: 'No such endpoint',
    hint: 'See GET /docs for the endpoints and their methods.',
  },
  BAD_REQUEST: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The HTTP request is malformed',
    hint: 'Check the URL, the headers and the method against GET /docs.',
  },
  AUTH_REQUIRED_OFF_LOOPBACK: {
    http: 500,
    exit: EXIT.policy,
    title: 'Refusing to serve without API keys on a non-loopback address',
    hint: 'Set API_KEYS (see `defasagem serve hash-key`), or bind to 127.0.0.1 for local use without keys.',
  },
  HOST_INVALID: {
    http: 500,
    exit: EXIT.invalidInput,
    title: 'The listen address does not resolve to an address of this machine',
    hint: 'Pass --host / HOST as an address of this machine: 127.0.0.1 (default), 0.0.0.0, ::1, or a name that resolves to one.',
  },
  PORT_IN_USE: {
    http: 500,
    exit: EXIT.environment,
    title: 'The address or port is already in use or not available',
    hint: 'Stop the other process, or choose another port with --port / PORT.',
  },
  SOURCE_NOT_FOUND: {
    http: 404,
    exit: EXIT.notFound,
    title: 'The workbook given to `start --source` does not exist',
    hint: 'Check the path, or omit --source to use data/raw/*.xlsx or the synthetic workbook.',
  },
});
