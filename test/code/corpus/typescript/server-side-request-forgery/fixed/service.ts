// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
import axios from "axios";

const BASE = "https://api.example.com/";

export const handler = async (event: { id: string }) => {
  const res = await axios.get(`https://api.example.com/items/${event.id}`);
  const more = await axios.get(BASE + "things", { params: { id: event.id } });
  return [res.data, more.data];
};
