export function exposeGcOnSignal(): void;
