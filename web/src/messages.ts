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
