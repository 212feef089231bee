// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
interface DbConfig {
  host: string;
  password: string;
}

export const db: DbConfig = {
  host: "db.internal",
  password: "s3cr3t-Pr0d-2024!",  // expect: typescript/hardcoded-credentials
};

export const SLACK_WEBHOOK = "https://hooks.slack.com/services/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";  // expect: typescript/hardcoded-credentials
