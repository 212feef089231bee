// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
export const handler = async (event: { body: string }): Promise<unknown> => {
  const expr = (event.body satisfies string).trim();
  return eval(expr);  // expect: typescript/code-injection
};
