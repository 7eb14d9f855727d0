import { defineErrors, EXIT } from '../../core/error-base.js';

/**
 * Errors only the Open Inference Protocol v2 routes (`/v2/...`) answer. The protocol's servers
 * (Triton, KServe) answer every invalid argument with 400, so a missing or unknown tensor and a bad
 * element are 400 here where `/predict` answers 422; a personal identifier is refused with the same
 * code on both (DEF_ERR_API_PII_FIELD). `details` names the tensor and the rule, never the value.
 */
export const OIP_ERRORS = defineErrors('OIP', {
  MISSING_INPUT: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'A required input tensor is missing',
    hint: 'Send one tensor for every required field; GET /v2/models/defasagem/config marks the others "optional": true.',
  },
  UNKNOWN_INPUT: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'An input tensor names no input of the model',
    hint: 'Remove the tensor (GET /v2/models/defasagem lists the inputs), or set EXTRA_FEATURE_POLICY=ignore on the server to drop unknown tensors.',
  },
  INVALID_VALUE: {
    http: 400,
    exit: EXIT.invalidInput,
    title: "A tensor element breaks its field's type, range or category",
    hint: 'Fix the element named in details (field, rule, index; GET /metadata lists ranges and categories). A missing value is NaN in an FP tensor, null in JSON data or an empty BYTES element.',
  },
  UNSUPPORTED_ENCODING: {
    http: 415,
    exit: EXIT.invalidInput,
    title: 'The request body uses a content coding the server does not decode',
    hint: 'Send the body uncompressed, or with Content-Encoding: gzip or deflate.',
  },
  INVALID_BODY: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The inference request body cannot be split or decoded',
    hint: 'Inference-Header-Content-Length must be the byte length of the JSON part, and Content-Encoding must match how the body was compressed.',
  },
});
