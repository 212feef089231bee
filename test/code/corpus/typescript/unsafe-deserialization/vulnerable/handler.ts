// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
import serialize from "node-serialize";

export const handler = async (event: { body: string }) => {
  return serialize.unserialize(event.body);  // expect: typescript/unsafe-deserialization
};
