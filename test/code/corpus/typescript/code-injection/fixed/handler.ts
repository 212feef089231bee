// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
export const handler = async (event: { body: string }): Promise<unknown> => {
  const data = JSON.parse(event.body) as Record<string, unknown>;
  return data;
};
