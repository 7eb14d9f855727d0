import { defineErrors, EXIT } from '../core/error-base.js';

/** Errors of the pure ML core (learners, calibration, metrics, threshold policy). */
export const ML_ERRORS = defineErrors('ML', {
  EMPTY_INPUT: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'A learner or metric received no rows',
    hint: 'Check the split: the training, validation or test set it was given is empty.',
  },
  SHAPE_MISMATCH: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'Inputs of a learner or metric have inconsistent lengths or feature counts',
    hint: 'Pass labels, scores, weights and rows of the same length, and the feature columns the model was trained on.',
  },
  INVALID_VALUE: {
    http: 400,
    exit: EXIT.invalidInput,
    title:
      'An input holds a value the learner or metric cannot use (NaN where not allowed, label not 0/1, negative weight)',
    hint: 'Impute missing values before logistic regression (imputeMedian), use 0/1 labels and non-negative weights.',
  },
  SINGLE_CLASS: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'Only one class is present, so the learner or ranking metric is undefined',
    hint: 'Use a data set with both positive and negative examples (ROC-AUC and average precision need both).',
  },
  INVALID_OPTION: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'A learner, calibration or threshold option is out of range',
    hint: 'Check the hyper-parameters in the training configuration against their documented ranges.',
  },
});
