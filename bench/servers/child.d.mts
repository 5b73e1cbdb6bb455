import type { Server } from 'node:http';

export const HOST: '127.0.0.1';
export function serveUntilParentLeaves(server: Server, close: () => Promise<void>): void;
export function listen(app: { listen(port: number, host: string, cb: (err?: Error) => void): Server }): Promise<Server>;
