export async function runExample(_argv: readonly string[]): Promise<number> { return 1; }
