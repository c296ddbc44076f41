export { adminOpenApi, adminRoutes, createAdminApi, type AdminApiOptions } from './admin-api.ts';
export { GLOBAL_CONF_PATH, MANAGEMENT_PATH, createPublicApi } from './public-api.ts';
