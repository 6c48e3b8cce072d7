// The HTTP control plane's exports, wired into warden.listen().
export { createApp, type WardenApp } from './app.ts';
export { serveWarden, isLoopback, type ServeOptions, type ServerHandle } from './server.ts';
export type { HttpOptions } from './types.ts';
export { OPEN_PATHS } from './auth.ts';
