/** POST /admin/reload: load the configured model source now (`admin` role); the answer says what happened. */
import type { ServePlugin } from '../context.js';

export const adminRoutes: ServePlugin = async (app, { holder, access }) => {
  app.post('/admin/reload', access.admin, async () => {
    const result = await holder.reload('admin');
    return {
      result,
      model_version: holder.current?.version ?? null,
      ...(holder.lastFailure ? { last_reload_error: holder.lastFailure } : {}),
    };
  });
};
