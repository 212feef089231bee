// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { Pool } from "pg";

const pool = new Pool();

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const status = event.queryStringParameters?.status ?? "open";
  const { rows } = await pool.query<{ id: number }>("SELECT * FROM orders WHERE status = $1", [status]);
  return { statusCode: 200, body: JSON.stringify(rows) };
};
