/** Every error the page can meet, said in Portuguese with what to do; the code stays visible for support. */
import { ApiError } from './api';

const BY_CODE: Record<string, string> = {
  DEF_ERR_API_FORBIDDEN: 'Sem permissão: precisa de uma chave admin.',
  DEF_ERR_API_AUTH_THROTTLED: 'Muitas tentativas com chave errada a partir deste computador.',
  DEF_ERR_API_RATE_LIMITED: 'Limite de uso desta chave atingido.',
  DEF_ERR_API_HOST_NOT_ALLOWED:
    'Este servidor sem chaves só aceita acesso por localhost ou 127.0.0.1: abra o painel por esse endereço.',
  DEF_ERR_API_NOT_READY: 'Nenhum modelo carregado no servidor agora (veja /ready).',
  DEF_ERR_REGISTRY_GUARDRAIL_FAILED: 'A versão não atinge os critérios mínimos de promoção.',
  DEF_ERR_REGISTRY_CHAMPION_CONFLICT:
    'O campeão mudou enquanto você confirmava (outra pessoa ou a linha de comando). Recarregue a página e confira antes de tentar de novo.',
  DEF_ERR_REGISTRY_REASON_REQUIRED: 'Escreva o motivo: ele fica registrado no histórico.',
  DEF_ERR_REGISTRY_NO_HISTORY: 'Não há um campeão anterior para onde voltar.',
  DEF_ERR_REGISTRY_INTEGRITY_FAILED:
    'A versão falhou na verificação de integridade (arquivos alterados ou ausentes) e não pode ser campeã. Rode `defasagem registry verify`.',
  DEF_ERR_REGISTRY_VERSION_NOT_FOUND: 'Essa versão não existe no registro.',
  DEF_ERR_REGISTRY_VERSION_INVALID: 'Versão inválida: use o formato vX.Y.Z.',
  DEF_ERR_REGISTRY_LOCK_TIMEOUT: 'O registro está ocupado por outra operação; tente de novo em instantes.',
  DEF_ERR_REGISTRY_MODEL_UNLOADABLE:
    'O servidor não conseguiria carregar essa versão; ela não pode ser campeã.',
  DEF_ERR_REGISTRY_CHAMPION_INVALID:
    'O arquivo do campeão (champion.json) está ilegível; promova uma versão para corrigir.',
  DEF_ERR_SCORE_INPUT_UNSUPPORTED:
    'O arquivo não é uma planilha .xlsx nem um CSV: envie a planilha do PEDE ou um CSV exportado dela.',
  DEF_ERR_SCORE_YEAR_NOT_FOUND: 'A planilha não tem uma aba PEDE do ano pedido.',
  DEF_ERR_SCORE_YEAR_UNKNOWN:
    'Não deu para saber o ano do arquivo: a aba deve se chamar PEDE2024 (ou o CSV, PEDE2024.csv).',
  DEF_ERR_SCORE_NO_STUDENTS: 'O arquivo não tem nenhum aluno que possa ser pontuado.',
  DEF_ERR_SCORE_UPLOAD_TOO_LARGE: 'O arquivo é maior que o limite deste servidor (SCORE_UPLOAD_LIMIT_BYTES).',
  DEF_ERR_SCORE_UPLOAD_MISSING: 'Nenhum arquivo chegou ao servidor: escolha o arquivo e envie de novo.',
  DEF_ERR_SCORE_UPLOAD_NOT_MULTIPART: 'O envio não chegou como arquivo: escolha o arquivo e envie de novo.',
  DEF_ERR_SCORE_CAPACITY_INVALID: 'Capacidade inválida: use um número inteiro de alunos.',
  DEF_ERR_DATA_COLUMNS_MISSING:
    'Faltam colunas obrigatórias na planilha (veja o detalhe abaixo): confira se é a planilha do PEDE.',
  DEF_ERR_DATA_NOT_PEDE: 'O arquivo não parece uma planilha do PEDE (nenhuma aba PEDE<ano>).',
  DEF_ERR_DATA_SOURCE_UNREADABLE: 'Não foi possível ler o arquivo: ele está corrompido ou protegido?',
  DEF_ERR_DATA_SOURCE_EMPTY: 'O arquivo está vazio.',
  DEF_ERR_MONITOR_MONITORING_OFF:
    'O monitoramento está desativado neste servidor (MONITOR_PRIVACY_MODE=off).',
  DEF_ERR_MONITOR_BASELINE_NOT_FOUND:
    'O modelo servido não tem a referência do treino (baseline): o drift não pode ser medido.',
  NETWORK: 'O servidor não respondeu. Ele está rodando?',
};

/** The sentence to show for an error (the server's own message is kept as a detail). */
export function errorText(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Erro inesperado no painel. Recarregue a página.';
  if (err.code === 'DEF_ERR_API_UNAUTHORIZED')
    return 'Chave inválida ou ausente: digite uma chave de acesso válida.';
  const base = BY_CODE[err.code] ?? `O servidor recusou o pedido (${err.status}).`;
  return err.retryAfter ? `${base} Aguarde ${err.retryAfter} s.` : base;
}

/** The technical line under the sentence: code and the server's message (English). */
export function errorDetail(err: unknown): string | null {
  if (!(err instanceof ApiError) || err.code === 'NETWORK') return null;
  return `${err.code}: ${err.message}`;
}
