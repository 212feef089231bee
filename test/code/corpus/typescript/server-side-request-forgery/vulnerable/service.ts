// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
import axios from "axios";

class Fetcher {
  async load(url: string): Promise<unknown> {
    const res = await axios.get<unknown>(url);  // expect: typescript/server-side-request-forgery
    return res.data;
  }
}

export const handler = async (event: { url: string }) => {
  return new Fetcher().load(event.url);
};
