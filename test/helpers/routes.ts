import type { Express } from 'express';

export interface Route {
  method: string;
  path: string;
}

/** The routes as Express holds them: every layer with a route, under the paths its routers are mounted at. */
export function registeredRoutes(expressApp: Express): Route[] {
  const found: Route[] = [];
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] }; rawPath?: unknown };
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) found.push({ method: method.toUpperCase(), path: `${prefix}${layer.route.path}` });
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? `${prefix}${layer.rawPath}` : prefix);
      }
    }
  };
  walk((expressApp as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return found;
}
