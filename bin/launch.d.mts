export function buildIsCurrent(): boolean;
export function launch(entry: string): Promise<unknown>;
