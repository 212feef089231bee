// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
interface DbConfig {
  host: string;
  password: string | undefined;
}

export const db: DbConfig = {
  host: "db.internal",
  password: process.env.DB_PASSWORD,
};

export const PASSWORD_PLACEHOLDER = "********";
