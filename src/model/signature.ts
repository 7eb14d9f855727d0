/**
 * model_signature_v1.json: what a client sends (the year-agnostic student record, field by field, from
 * STUDENT_FIELDS) and what it gets back. The example response is computed by the model itself on the
 * example request, so the documentation can never drift from the behaviour.
 */
import { STUDENT_FIELDS, type StudentRecord } from '../core/student.js';
import type { LoadedModelV1 } from './load.js';
import type { ModelSignature } from './types.js';

/** A made-up student (not from the data): typical values, behind by one fase. */
export const EXAMPLE_STUDENT: StudentRecord = {
  ano_base: 2024,
  fase: 2,
  idade: 12,
  genero: 'feminino',
  instituicao: 'publica',
  ano_ingresso: 2022,
  ian: 5,
  ida: 5.8,
  ieg: 7.4,
  iaa: 8.3,
  ips: 6.9,
  ipp: 7.1,
  ipv: 6.8,
  inde: 6.9,
  defasagem: -1,
};

export const EXAMPLE_TOP_FACTORS = 3;

export interface ModelSignatureV1 extends ModelSignature {
  /** How the label and band are derived from the score. */
  decision: {
    threshold: number;
    risk_bands: { baixo: string; medio: string; alto: string };
  };
  /** Derived features the model computes itself (clients send only the inputs). */
  derived_features: Array<{ name: string; label: string; derivation: string }>;
}

const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/** The response body for one student (what the API returns, `model_version` filled by the caller). */
export function scoreResponse(
  model: LoadedModelV1,
  record: StudentRecord,
  modelVersion: string,
  k = EXAMPLE_TOP_FACTORS,
) {
  const score = model.predictOne(record);
  return {
    risk_score: r4(score),
    risk_label: score >= model.threshold ? 1 : 0,
    risk_band: model.riskBand(score),
    model_version: modelVersion,
    top_factors: model.explain(record, k).map((f) => ({
      ...f,
      contribution: r4(f.contribution),
      effect_pp: r4(f.effect_pp),
      value: typeof f.value === 'number' ? r4(f.value) : f.value,
    })),
  };
}

export function buildSignature(model: LoadedModelV1, modelVersion = 'dev'): ModelSignatureV1 {
  const t = model.threshold;
  const b = model.riskBands;
  return {
    signature_version: 1,
    inputs: STUDENT_FIELDS.map((f) => ({ ...f, ...(f.categories ? { categories: [...f.categories] } : {}) })),
    outputs: [
      {
        name: 'risk_score',
        type: 'number',
        description:
          'Probabilidade calibrada (0–1) de o aluno estar com defasagem negativa (atrasado) no próximo ano.',
      },
      {
        name: 'risk_label',
        type: 'integer',
        description: `1 quando risk_score ≥ ${t} (limiar escolhido na validação), senão 0.`,
        categories: ['0', '1'],
      },
      {
        name: 'risk_band',
        type: 'category',
        description: 'Faixa de risco para leitura humana: baixo, medio ou alto.',
        categories: ['baixo', 'medio', 'alto'],
      },
      { name: 'model_version', type: 'string', description: 'Versão do modelo que produziu a resposta.' },
      {
        name: 'top_factors',
        type: 'array',
        description:
          'Principais fatores do escore, do maior para o menor: feature (nome do atributo), label (o atributo para este aluno, em português, ex. "IDA 3,2 — abaixo da mediana dos alunos (6,1)"; um valor ausente é um fator próprio, ex. "Idade não informada"), text (a frase para mostrar: label, direção e efeito aproximado), value (valor do aluno; null quando ausente), missing (true quando o valor é desconhecido), contribution (contribuição exata e aditiva ao escore bruto do modelo: TreeSHAP ou linear), contribution_unit (unidade da contribuição: log_odds no gradient boosting e na regressão logística), effect_pp (efeito aproximado no risco do aluno em pontos percentuais: o risco calibrado menos o risco calibrado sem esta contribuição; os efeitos de vários fatores não se somam) e direction (aumenta/reduz o risco).',
      },
    ],
    example_request: { ...EXAMPLE_STUDENT },
    example_response: scoreResponse(model, EXAMPLE_STUDENT, modelVersion),
    decision: {
      threshold: t,
      risk_bands: {
        baixo: `risk_score < ${t}`,
        medio: `${t} ≤ risk_score < ${b.alto_from}`,
        alto: `risk_score ≥ ${b.alto_from}`,
      },
    },
    derived_features: model.file.features.features.map((f) => ({
      name: f.name,
      label: f.label,
      derivation: f.derivation,
    })),
  };
}
