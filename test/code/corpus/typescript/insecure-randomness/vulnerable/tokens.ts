// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
export function createApiKey(): string {
  const apiKey: string = Math.random().toString(36).slice(2);  // expect: typescript/insecure-randomness
  return apiKey;
}
