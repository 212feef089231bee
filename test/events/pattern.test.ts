import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compilePattern, matchesPattern, PatternError } from "../../src/events/pattern.js";

// The EC2 instance state-change example event from the EventBridge user guide ("Amazon EventBridge
// events" / "Amazon EventBridge event patterns").
const EC2_EVENT = {
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "111122223333",
  time: "2017-12-22T18:43:48Z",
  region: "us-west-1",
  resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  detail: { "instance-id": "i-1234567890abcdef0", state: "terminated" },
};

// The content-filtering example event (event-ruler / "Content filtering in EventBridge event patterns").
const CONTENT_EVENT = {
  version: "0",
  id: "ddddd4-aaaa-7777-4444-345dd43cc333",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "012345679012",
  time: "2017-10-02T16:24:49Z",
  region: "us-east-1",
  resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
  detail: {
    "c-count": 5,
    "d-count": 3,
    "x-limit": 301.8,
    "source-ip": "10.0.0.33",
    "instance-id": "i-000000aaaaaa00000",
    state: "running",
  },
};

function withDetail(detail: Record<string, unknown>): Record<string, unknown> {
  return { ...CONTENT_EVENT, detail };
}

// The array-matching example from the event-ruler documentation.
const EMPLOYEES = {
  employees: [
    { firstName: "John", lastName: "Doe" },
    { firstName: "Anna", lastName: "Smith" },
    { firstName: "Peter", lastName: "Jones" },
  ],
};
const NESTED_EMPLOYEES = {
  employees: [
    [
      { firstName: "John", lastName: "Doe" },
      { firstName: "Anna", lastName: "Smith" },
    ],
    [{ firstName: "Peter", lastName: "Jones" }],
  ],
};

function cloudwatch(fields: Record<string, unknown>): Record<string, unknown> {
  return { source: "aws.cloudwatch", ...fields };
}

// An Inspector2 finding event as EventBridge delivers it (shape of the inspector2 Finding).
const INSPECTOR_EVENT = {
  version: "0",
  id: "66a7a279-5f92-971c-6d3e-c92da0950992",
  "detail-type": "Inspector2 Finding",
  source: "aws.inspector2",
  account: "123456789012",
  time: "2023-01-19T22:46:15Z",
  region: "us-east-1",
  resources: ["i-0c2a343f1948d5205"],
  detail: {
    awsAccountId: "123456789012",
    description: "A use-after-free in the X.400 address handling of OpenSSL.",
    exploitAvailable: "YES",
    findingArn: "arn:aws:inspector2:us-east-1:123456789012:finding/FINDING_ID",
    firstObservedAt: "Thu Jan 19 22:46:15.155 UTC 2023",
    fixAvailable: "YES",
    inspectorScore: 7.5,
    inspectorScoreDetails: {
      adjustedCvss: {
        baseScore: 7.5,
        scoringVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        version: "3.1",
      },
    },
    packageVulnerabilityDetails: {
      cvss: [
        {
          baseScore: 7.5,
          scoringVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
          source: "NVD",
          version: "3.1",
        },
        {
          baseScore: 5.9,
          scoringVector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H",
          source: "AMAZON",
          version: "3.1",
        },
      ],
      referenceUrls: ["https://www.openssl.org/news/secadv/20230207.txt"],
      source: "NVD",
      sourceUrl: "https://nvd.nist.gov/vuln/detail/CVE-2023-0286",
      vendorSeverity: "HIGH",
      vulnerabilityId: "CVE-2023-0286",
      vulnerablePackages: [
        {
          arch: "X86_64",
          epoch: 1,
          name: "openssl-libs",
          packageManager: "OS",
          version: "3.0.7",
          fixedInVersion: "3.0.8",
        },
        {
          arch: "X86_64",
          epoch: 1,
          name: "openssl",
          packageManager: "OS",
          version: "3.0.8",
          fixedInVersion: "",
        },
      ],
    },
    remediation: { recommendation: { text: "None Provided" } },
    resources: [
      {
        details: {
          awsEc2Instance: {
            imageId: "ami-0b5eea76982371e91",
            ipV4Addresses: ["172.31.85.212", "44.203.45.27"],
            ipV6Addresses: ["2600:1f18:4a2:9b00::10"],
            platform: "AMAZON_LINUX_2",
            type: "t2.micro",
          },
        },
        id: "i-0c2a343f1948d5205",
        partition: "aws",
        region: "us-east-1",
        tags: { Name: "web-1" },
        type: "AWS_EC2_INSTANCE",
      },
    ],
    severity: "HIGH",
    status: "ACTIVE",
    title: "CVE-2023-0286 - openssl-libs",
    type: "PACKAGE_VULNERABILITY",
    updatedAt: "Thu Jan 19 22:46:15.155 UTC 2023",
  },
};

interface Case {
  name: string;
  pattern: unknown;
  event: unknown;
  match: boolean;
}

const MATCH_CASES: Case[] = [
  // --- exact matching, AND / OR, nested fields (EC2 state-change example) ---
  { name: "source exact", pattern: { source: ["aws.ec2"] }, event: EC2_EVENT, match: true },
  { name: "source differs", pattern: { source: ["aws.s3"] }, event: EC2_EVENT, match: false },
  {
    name: "detail-type and source both match",
    pattern: { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
    event: EC2_EVENT,
    match: true,
  },
  {
    name: "keys are ANDed: one key fails",
    pattern: { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
    event: EC2_EVENT,
    match: false,
  },
  {
    name: "values are ORed",
    pattern: { detail: { state: ["pending", "terminated", "stopped"] } },
    event: EC2_EVENT,
    match: true,
  },
  {
    name: "nested field value differs",
    pattern: { detail: { state: ["running"] } },
    event: EC2_EVENT,
    match: false,
  },
  {
    name: "user-guide example: source, detail-type and detail.state",
    pattern: {
      source: ["aws.ec2"],
      "detail-type": ["EC2 Instance State-change Notification"],
      detail: { state: ["terminated"] },
    },
    event: EC2_EVENT,
    match: true,
  },
  {
    name: "event array field matches when an element matches",
    pattern: { resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0", "other"] },
    event: EC2_EVENT,
    match: true,
  },
  {
    name: "event array field without a matching element",
    pattern: { resources: ["other"] },
    event: EC2_EVENT,
    match: false,
  },
  {
    name: "missing field does not match",
    pattern: { detail: { reason: ["x"] } },
    event: EC2_EVENT,
    match: false,
  },
  { name: "matching is case-sensitive", pattern: { source: ["AWS.EC2"] }, event: EC2_EVENT, match: false },
  {
    name: "nested pattern against a leaf does not match",
    pattern: { detail: { state: { name: ["terminated"] } } },
    event: EC2_EVENT,
    match: false,
  },
  {
    name: "value pattern against an object does not match",
    pattern: { detail: ["terminated"] },
    event: EC2_EVENT,
    match: false,
  },
  {
    name: "empty array of alternatives never matches",
    pattern: { source: [] },
    event: EC2_EVENT,
    match: false,
  },
  {
    name: "number matches number",
    pattern: { detail: { "c-count": [5] } },
    event: CONTENT_EVENT,
    match: true,
  },
  {
    name: "string does not match number",
    pattern: { detail: { "c-count": ["5"] } },
    event: CONTENT_EVENT,
    match: false,
  },
  {
    name: "numbers compare numerically (5 vs 5.0)",
    pattern: { detail: { "c-count": [5] } },
    event: JSON.parse('{"detail": {"c-count": 5.0}}'),
    match: true,
  },
  {
    name: "exponent notation in the pattern (3.018e2 vs 301.8)",
    pattern: JSON.parse('{"detail": {"x-limit": [3.018e2]}}'),
    event: CONTENT_EVENT,
    match: true,
  },
  {
    name: "null matches JSON null",
    pattern: { detail: { reason: [null] } },
    event: withDetail({ reason: null }),
    match: true,
  },
  {
    name: "null does not match a missing field",
    pattern: { detail: { reason: [null] } },
    event: EC2_EVENT,
    match: false,
  },
  {
    name: "null does not match empty string",
    pattern: { detail: { reason: [null] } },
    event: withDetail({ reason: "" }),
    match: false,
  },
  {
    name: "empty string matches empty string",
    pattern: { LastName: [""] },
    event: { LastName: "" },
    match: true,
  },
  {
    name: "boolean matches boolean",
    pattern: { detail: { ok: [true] } },
    event: withDetail({ ok: true }),
    match: true,
  },
  {
    name: "boolean does not match string",
    pattern: { detail: { ok: [true] } },
    event: withDetail({ ok: "true" }),
    match: false,
  },
  { name: "non-object event matches nothing", pattern: { source: ["aws.ec2"] }, event: null, match: false },
  {
    name: "inherited properties are not fields",
    pattern: { constructor: [{ exists: true }] },
    event: {},
    match: false,
  },

  // --- prefix / suffix / equals-ignore-case ---
  { name: "prefix on time", pattern: { time: [{ prefix: "2017-12-22" }] }, event: EC2_EVENT, match: true },
  { name: "prefix mismatch", pattern: { time: [{ prefix: "2017-10-02" }] }, event: EC2_EVENT, match: false },
  {
    name: "prefix only applies to strings",
    pattern: { detail: { "c-count": [{ prefix: "5" }] } },
    event: CONTENT_EVENT,
    match: false,
  },
  {
    name: "prefix equals-ignore-case",
    pattern: { detail: { service: [{ prefix: { "equals-ignore-case": "EventB" } }] } },
    event: withDetail({ service: "eventbridge" }),
    match: true,
  },
  {
    name: "prefix equals-ignore-case mismatch",
    pattern: { detail: { service: [{ prefix: { "equals-ignore-case": "EventB" } }] } },
    event: withDetail({ service: "lambda" }),
    match: false,
  },
  {
    name: "suffix",
    pattern: { FileName: [{ suffix: ".png" }] },
    event: { FileName: "image.png" },
    match: true,
  },
  {
    name: "suffix is case-sensitive",
    pattern: { FileName: [{ suffix: ".png" }] },
    event: { FileName: "image.PNG" },
    match: false,
  },
  {
    name: "suffix equals-ignore-case",
    pattern: { detail: { FileName: [{ suffix: { "equals-ignore-case": ".png" } }] } },
    event: withDetail({ FileName: "IMAGE.PNG" }),
    match: true,
  },
  {
    name: "equals-ignore-case",
    pattern: { Name: [{ "equals-ignore-case": "alice" }] },
    event: { Name: "ALICE" },
    match: true,
  },
  {
    name: "equals-ignore-case is not a prefix",
    pattern: { Name: [{ "equals-ignore-case": "alice" }] },
    event: { Name: "Alicia" },
    match: false,
  },

  // --- anything-but ---
  {
    name: "anything-but string",
    pattern: { detail: { state: [{ "anything-but": "initializing" }] } },
    event: CONTENT_EVENT,
    match: true,
  },
  {
    name: "anything-but string excludes the value",
    pattern: { detail: { state: [{ "anything-but": "initializing" }] } },
    event: withDetail({ state: "initializing" }),
    match: false,
  },
  {
    name: "anything-but number",
    pattern: { detail: { "x-limit": [{ "anything-but": 123 }] } },
    event: CONTENT_EVENT,
    match: true,
  },
  {
    name: "anything-but string list excludes",
    pattern: { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } },
    event: withDetail({ state: "stopped" }),
    match: false,
  },
  {
    name: "anything-but string list passes others",
    pattern: { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } },
    event: CONTENT_EVENT,
    match: true,
  },
  {
    name: "anything-but number list excludes",
    pattern: { detail: { "x-limit": [{ "anything-but": [100, 200, 300] }] } },
    event: withDetail({ "x-limit": 200 }),
    match: false,
  },
  {
    name: "anything-but prefix excludes",
    pattern: { detail: { state: [{ "anything-but": { prefix: "init" } }] } },
    event: withDetail({ state: "initializing" }),
    match: false,
  },
  {
    name: "anything-but prefix passes others",
    pattern: { detail: { state: [{ "anything-but": { prefix: "init" } }] } },
    event: CONTENT_EVENT,
    match: true,
  },
  {
    name: "anything-but suffix excludes",
    pattern: { FileName: [{ "anything-but": { suffix: ".png" } }] },
    event: { FileName: "photo.png" },
    match: false,
  },
  {
    name: "anything-but equals-ignore-case list excludes any casing",
    pattern: { detail: { state: [{ "anything-but": { "equals-ignore-case": ["Stopped", "OverLoaded"] } }] } },
    event: withDetail({ state: "STOPPED" }),
    match: false,
  },
  {
    name: "anything-but equals-ignore-case passes others",
    pattern: { detail: { state: [{ "anything-but": { "equals-ignore-case": "initializing" } }] } },
    event: CONTENT_EVENT,
    match: true,
  },
  {
    name: "anything-but wildcard excludes",
    pattern: { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] },
    event: { FilePath: "/usr/lib/libc.so" },
    match: false,
  },
  {
    name: "anything-but wildcard passes others",
    pattern: { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] },
    event: { FilePath: "/usr/bin/env" },
    match: true,
  },
  {
    name: "anything-but needs the field to exist",
    pattern: { detail: { reason: [{ "anything-but": "x" }] } },
    event: CONTENT_EVENT,
    match: false,
  },
  {
    name: "anything-but on an array matches when any element is not excluded",
    pattern: { tags: [{ "anything-but": "stopped" }] },
    event: { tags: ["stopped", "running"] },
    match: true,
  },
  {
    name: "anything-but on an array of only excluded values",
    pattern: { tags: [{ "anything-but": ["stopped", "running"] }] },
    event: { tags: ["stopped", "running"] },
    match: false,
  },

  // --- numeric ---
  {
    name: "numeric range: upper bound inclusive",
    pattern: { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }] } },
    event: CONTENT_EVENT,
    match: true,
  },
  {
    name: "numeric range: lower bound exclusive",
    pattern: { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }] } },
    event: withDetail({ "c-count": 0 }),
    match: false,
  },
  {
    name: "numeric range: above the upper bound",
    pattern: { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }] } },
    event: withDetail({ "c-count": 5.000001 }),
    match: false,
  },
  {
    name: "numeric <",
    pattern: { detail: { "d-count": [{ numeric: ["<", 10] }] } },
    event: CONTENT_EVENT,
    match: true,
  },
  {
    name: "numeric = 3.018e2",
    pattern: { detail: { "x-limit": [{ numeric: ["=", 3.018e2] }] } },
    event: CONTENT_EVENT,
    match: true,
  },
  {
    name: "numeric range, bounds in either order",
    pattern: { detail: { "x-limit": [{ numeric: ["<", 302, ">=", 301.8] }] } },
    event: CONTENT_EVENT,
    match: true,
  },
  {
    name: "numeric only matches JSON numbers",
    pattern: { detail: { "c-count": [{ numeric: [">", 0] }] } },
    event: withDetail({ "c-count": "5" }),
    match: false,
  },
  {
    name: "user-guide complex example",
    pattern: {
      time: [{ prefix: "2017-10-02" }],
      detail: {
        state: [{ "anything-but": "initializing" }],
        "c-count": [{ numeric: [">", 0, "<=", 5] }],
        "d-count": [{ numeric: ["<", 10] }],
        "x-limit": [{ "anything-but": [100, 200, 300] }],
        "source-ip": [{ cidr: "10.0.0.0/8" }],
      },
    },
    event: CONTENT_EVENT,
    match: true,
  },

  // --- exists ---
  {
    name: "exists true",
    pattern: { detail: { "c-count": [{ exists: true }] } },
    event: CONTENT_EVENT,
    match: true,
  },
  {
    name: "exists false on present field",
    pattern: { detail: { "c-count": [{ exists: false }] } },
    event: CONTENT_EVENT,
    match: false,
  },
  {
    name: "exists false on missing field",
    pattern: { detail: { "c-count": [{ exists: false }] } },
    event: EC2_EVENT,
    match: true,
  },
  {
    name: "exists true on missing field",
    pattern: { detail: { "c-count": [{ exists: true }] } },
    event: EC2_EVENT,
    match: false,
  },
  {
    name: "exists false matches an intermediate node (exists works on leaves only)",
    pattern: { detail: { "c-count": [{ exists: false }] } },
    event: withDetail({ state: "running", "c-count": { c1: 100 } }),
    match: true,
  },
  {
    name: "exists true does not match an intermediate node",
    pattern: { detail: { "c-count": [{ exists: true }] } },
    event: withDetail({ "c-count": { c1: 100 } }),
    match: false,
  },
  {
    name: "exists false when the parent object is missing",
    pattern: { detail: { "c-count": [{ exists: false }] } },
    event: { source: "aws.ec2" },
    match: true,
  },
  {
    name: "exists true on a null value",
    pattern: { detail: { reason: [{ exists: true }] } },
    event: withDetail({ reason: null }),
    match: true,
  },
  {
    name: "exists false on an empty array",
    pattern: { detail: { tags: [{ exists: false }] } },
    event: withDetail({ tags: [] }),
    match: true,
  },
  {
    name: "exists false ORed with a value",
    pattern: { detail: { state: [{ exists: false }, "running"] } },
    event: CONTENT_EVENT,
    match: true,
  },

  // --- cidr ---
  {
    name: "cidr IPv4 inside",
    pattern: { detail: { "source-ip": [{ cidr: "10.0.0.0/24" }] } },
    event: CONTENT_EVENT,
    match: true,
  },
  {
    name: "cidr IPv4 outside",
    pattern: { detail: { "source-ip": [{ cidr: "10.0.0.0/24" }] } },
    event: withDetail({ "source-ip": "10.0.1.1" }),
    match: false,
  },
  {
    name: "cidr IPv6 inside",
    pattern: { detail: { "source-ip": [{ cidr: "2001:db8::/32" }] } },
    event: withDetail({ "source-ip": "2001:DB8:0:1::1" }),
    match: true,
  },
  {
    name: "cidr IPv6 outside",
    pattern: { detail: { "source-ip": [{ cidr: "2001:db8::/32" }] } },
    event: withDetail({ "source-ip": "2001:db9::1" }),
    match: false,
  },
  {
    name: "cidr IPv4 block does not match an IPv6 address",
    pattern: { detail: { "source-ip": [{ cidr: "0.0.0.0/0" }] } },
    event: withDetail({ "source-ip": "::1" }),
    match: false,
  },
  {
    name: "cidr does not match a non-address",
    pattern: { detail: { "source-ip": [{ cidr: "10.0.0.0/8" }] } },
    event: withDetail({ "source-ip": "10.0.0.x" }),
    match: false,
  },

  // --- wildcard ---
  {
    name: "wildcard *.png",
    pattern: { FileName: [{ wildcard: "*.png" }] },
    event: { FileName: "dir/photo.png" },
    match: true,
  },
  {
    name: "wildcard *.png mismatch",
    pattern: { FileName: [{ wildcard: "*.png" }] },
    event: { FileName: "photo.jpg" },
    match: false,
  },
  {
    name: "wildcard in the middle",
    pattern: { source: [{ wildcard: "Simple*Service" }] },
    event: { source: "SimpleQueueService" },
    match: true,
  },
  {
    name: "wildcard with several stars",
    pattern: { EventBusArn: [{ wildcard: "arn:aws:events:us-east-1:*:event-bus/*" }] },
    event: { EventBusArn: "arn:aws:events:us-east-1:123456789012:event-bus/default" },
    match: true,
  },
  {
    name: "wildcard stars may be empty",
    pattern: { v: [{ wildcard: "a*b*a" }] },
    event: { v: "aba" },
    match: true,
  },
  {
    name: "wildcard runs must not overlap",
    pattern: { v: [{ wildcard: "a*b*a" }] },
    event: { v: "ab" },
    match: false,
  },
  {
    name: "wildcard escaped star is literal",
    pattern: { v: [{ wildcard: "a\\*b" }] },
    event: { v: "a*b" },
    match: true,
  },
  {
    name: "wildcard escaped star is not a wildcard",
    pattern: { v: [{ wildcard: "a\\*b" }] },
    event: { v: "axb" },
    match: false,
  },
  {
    name: "wildcard escaped backslash",
    pattern: { v: [{ wildcard: "C:\\\\*" }] },
    event: { v: "C:\\Windows" },
    match: true,
  },
  {
    name: "wildcard only matches strings",
    pattern: { v: [{ wildcard: "*" }] },
    event: { v: 5 },
    match: false,
  },

  // --- arrays of objects (array-consistent matching) ---
  {
    name: "array of objects: field in some element",
    pattern: { employees: { firstName: ["Anna"] } },
    event: EMPLOYEES,
    match: true,
  },
  {
    name: "array of objects: fields from one element",
    pattern: { employees: { firstName: ["Anna"], lastName: ["Smith"] } },
    event: EMPLOYEES,
    match: true,
  },
  {
    name: "array of objects: fields from different elements do not combine",
    pattern: { employees: { firstName: ["Anna"], lastName: ["Jones"] } },
    event: EMPLOYEES,
    match: false,
  },
  {
    name: "multi-level arrays are flattened",
    pattern: { employees: { firstName: ["Peter"] } },
    event: NESTED_EMPLOYEES,
    match: true,
  },

  // --- $or ---
  {
    name: "$or: first branch",
    pattern: {
      source: ["aws.cloudwatch"],
      $or: [{ metricName: ["CPUUtilization", "ReadLatency"] }, { namespace: ["AWS/EC2", "AWS/ES"] }],
    },
    event: cloudwatch({ metricName: "CPUUtilization" }),
    match: true,
  },
  {
    name: "$or: second branch",
    pattern: {
      source: ["aws.cloudwatch"],
      $or: [{ metricName: ["CPUUtilization", "ReadLatency"] }, { namespace: ["AWS/EC2", "AWS/ES"] }],
    },
    event: cloudwatch({ namespace: "AWS/ES" }),
    match: true,
  },
  {
    name: "$or: no branch",
    pattern: {
      source: ["aws.cloudwatch"],
      $or: [{ metricName: ["CPUUtilization", "ReadLatency"] }, { namespace: ["AWS/EC2", "AWS/ES"] }],
    },
    event: cloudwatch({ metricName: "DiskReadOps", namespace: "AWS/RDS" }),
    match: false,
  },
  {
    name: "$or is ANDed with its siblings",
    pattern: {
      source: ["aws.cloudwatch"],
      $or: [{ metricName: ["CPUUtilization"] }, { namespace: ["AWS/EC2"] }],
    },
    event: { source: "aws.ec2", metricName: "CPUUtilization" },
    match: false,
  },
  {
    name: "parallel $or at two levels",
    pattern: {
      $or: [{ metricName: ["CPUUtilization", "ReadLatency"] }, { namespace: ["AWS/EC2", "AWS/ES"] }],
      detail: { $or: [{ source: ["aws.cloudwatch"] }, { "detail-type": ["CloudWatch Alarm State Change"] }] },
    },
    event: { namespace: "AWS/EC2", detail: { "detail-type": "CloudWatch Alarm State Change" } },
    match: true,
  },
  {
    name: "$or with an AND inside",
    pattern: {
      source: ["aws.cloudwatch"],
      $or: [
        { metricName: ["CPUUtilization", "ReadLatency"] },
        { metricType: ["MetricType"], namespace: ["AWS/EC2", "AWS/ES"] },
        { scope: ["Service"] },
      ],
    },
    event: cloudwatch({ metricType: "MetricType", namespace: "AWS/EC2" }),
    match: true,
  },
  {
    name: "$or branch AND fails partially",
    pattern: {
      source: ["aws.cloudwatch"],
      $or: [
        { metricName: ["CPUUtilization"] },
        { metricType: ["MetricType"], namespace: ["AWS/EC2", "AWS/ES"] },
      ],
    },
    event: cloudwatch({ metricType: "MetricType", namespace: "AWS/RDS" }),
    match: false,
  },
  {
    name: "nested $or and AND",
    pattern: {
      source: ["aws.cloudwatch"],
      $or: [
        { metricName: ["CPUUtilization", "ReadLatency"] },
        {
          metricType: ["MetricType"],
          namespace: ["AWS/EC2", "AWS/ES"],
          $or: [{ metricId: [1234] }, { spaceId: [1000] }],
        },
        { scope: ["Service"] },
      ],
    },
    event: cloudwatch({ metricType: "MetricType", namespace: "AWS/ES", spaceId: 1000 }),
    match: true,
  },

  // --- Inspector2 finding events ---
  {
    name: "inspector2: source and detail-type",
    pattern: { source: ["aws.inspector2"], "detail-type": ["Inspector2 Finding"] },
    event: INSPECTOR_EVENT,
    match: true,
  },
  {
    name: "inspector2: severity HIGH or CRITICAL",
    pattern: { "detail-type": ["Inspector2 Finding"], detail: { severity: ["HIGH", "CRITICAL"] } },
    event: INSPECTOR_EVENT,
    match: true,
  },
  {
    name: "inspector2: severity CRITICAL only",
    pattern: { detail: { severity: ["CRITICAL"] } },
    event: INSPECTOR_EVENT,
    match: false,
  },
  {
    name: "inspector2: inspectorScore >= 7",
    pattern: { detail: { inspectorScore: [{ numeric: [">=", 7] }] } },
    event: INSPECTOR_EVENT,
    match: true,
  },
  {
    name: "inspector2: inspectorScore >= 9",
    pattern: { detail: { inspectorScore: [{ numeric: [">=", 9] }] } },
    event: INSPECTOR_EVENT,
    match: false,
  },
  {
    name: "inspector2: resources.type in the nested array",
    pattern: { detail: { resources: { type: ["AWS_EC2_INSTANCE"] } } },
    event: INSPECTOR_EVENT,
    match: true,
  },
  {
    name: "inspector2: resources.type mismatch",
    pattern: { detail: { resources: { type: ["AWS_ECR_CONTAINER_IMAGE", "AWS_LAMBDA_FUNCTION"] } } },
    event: INSPECTOR_EVENT,
    match: false,
  },
  {
    name: "inspector2: deep field under resources",
    pattern: {
      detail: { resources: { details: { awsEc2Instance: { platform: [{ prefix: "AMAZON_LINUX" }] } } } },
    },
    event: INSPECTOR_EVENT,
    match: true,
  },
  {
    name: "inspector2: cidr over the instance addresses",
    pattern: {
      detail: { resources: { details: { awsEc2Instance: { ipV4Addresses: [{ cidr: "172.16.0.0/12" }] } } } },
    },
    event: INSPECTOR_EVENT,
    match: true,
  },
  {
    name: "inspector2: vulnerable package name",
    pattern: { detail: { packageVulnerabilityDetails: { vulnerablePackages: { name: ["openssl"] } } } },
    event: INSPECTOR_EVENT,
    match: true,
  },
  {
    name: "inspector2: package name and version from different elements do not combine",
    pattern: {
      detail: {
        packageVulnerabilityDetails: { vulnerablePackages: { name: ["openssl-libs"], version: ["3.0.8"] } },
      },
    },
    event: INSPECTOR_EVENT,
    match: false,
  },
  {
    name: "inspector2: CVE prefix",
    pattern: { detail: { packageVulnerabilityDetails: { vulnerabilityId: [{ prefix: "CVE-2023-" }] } } },
    event: INSPECTOR_EVENT,
    match: true,
  },
  {
    name: "inspector2: NVD cvss baseScore > 7 within the cvss array",
    pattern: {
      detail: {
        packageVulnerabilityDetails: { cvss: { source: ["NVD"], baseScore: [{ numeric: [">", 7] }] } },
      },
    },
    event: INSPECTOR_EVENT,
    match: true,
  },
  {
    name: "inspector2: status anything-but CLOSED/SUPPRESSED",
    pattern: { detail: { status: [{ "anything-but": ["CLOSED", "SUPPRESSED"] }] } },
    event: INSPECTOR_EVENT,
    match: true,
  },
  {
    name: "inspector2: CRITICAL or score >= 7 via $or",
    pattern: {
      source: ["aws.inspector2"],
      detail: { $or: [{ severity: ["CRITICAL"] }, { inspectorScore: [{ numeric: [">=", 7] }] }] },
    },
    event: INSPECTOR_EVENT,
    match: true,
  },
  {
    name: "inspector2: untagged resources only",
    pattern: { detail: { resources: { tags: { Name: [{ exists: false }] } } } },
    event: INSPECTOR_EVENT,
    match: false,
  },
  {
    name: "inspector2: instance id wildcard and fix available",
    pattern: { detail: { fixAvailable: ["YES"], resources: { id: [{ wildcard: "i-*" }] } } },
    event: INSPECTOR_EVENT,
    match: true,
  },
];

interface ErrorCase {
  name: string;
  pattern: unknown;
  message: string;
}

const ERROR_CASES: ErrorCase[] = [
  { name: "null pattern", pattern: null, message: "(root): a pattern must be a JSON object" },
  {
    name: "array pattern",
    pattern: [{ source: ["aws.ec2"] }],
    message: "(root): a pattern must be a JSON object",
  },
  { name: "string pattern", pattern: "aws.ec2", message: "(root): a pattern must be a JSON object" },
  { name: "empty pattern", pattern: {}, message: "(root): a pattern object must not be empty" },
  {
    name: "empty nested pattern",
    pattern: { detail: {} },
    message: "detail: a pattern object must not be empty",
  },
  {
    name: "bare string value",
    pattern: { source: "aws.ec2" },
    message: "source: a pattern value must be an array",
  },
  {
    name: "bare nested string value",
    pattern: { detail: { severity: "HIGH" } },
    message: "detail.severity: a pattern value must be an array",
  },
  { name: "null value", pattern: { detail: null }, message: "detail: a pattern value must be an array" },
  {
    name: "numeric without a number",
    pattern: { detail: { score: [{ numeric: [">"] }] } },
    message: "detail.score: numeric needs pairs of operator and number",
  },
  {
    name: "numeric with a string number",
    pattern: { detail: { score: [{ numeric: [">", "5"] }] } },
    message: "detail.score: numeric needs pairs of operator and number",
  },
  {
    name: "numeric unknown operator",
    pattern: { detail: { score: [{ numeric: ["=>", 5] }] } },
    message: 'detail.score: numeric does not support operator "=>"',
  },
  {
    name: "numeric two lower bounds",
    pattern: { detail: { score: [{ numeric: [">", 1, ">=", 2] }] } },
    message: "detail.score: numeric range needs one lower bound (> or >=) and one upper bound (< or <=)",
  },
  {
    name: "numeric empty range",
    pattern: { detail: { score: [{ numeric: [">", 5, "<", 1] }] } },
    message: "detail.score: numeric range lower bound must be below its upper bound",
  },
  {
    name: "numeric = combined",
    pattern: { detail: { score: [{ numeric: ["=", 5, "<", 6] }] } },
    message: "detail.score: numeric = cannot be combined with another comparison",
  },
  {
    name: "unknown operator",
    pattern: { detail: { x: [{ contains: "a" }] } },
    message: 'detail.x: unknown operator "contains"',
  },
  {
    name: "two operators in one object",
    pattern: { x: [{ prefix: "a", suffix: "b" }] },
    message: "x: an operator object needs exactly one operator, got prefix, suffix",
  },
  {
    name: "empty operator object",
    pattern: { x: [{}] },
    message: "x: an operator object needs exactly one operator, got none",
  },
  {
    name: "nested array",
    pattern: { x: [["a"]] },
    message: "x: a pattern value must not contain nested arrays",
  },
  {
    name: "exists not boolean",
    pattern: { x: [{ exists: "yes" }] },
    message: "x: exists needs true or false",
  },
  {
    name: "prefix not string",
    pattern: { x: [{ prefix: 5 }] },
    message: 'x: prefix needs a string or {"equals-ignore-case": string}',
  },
  {
    name: "prefix ignore-case not string",
    pattern: { x: [{ prefix: { "equals-ignore-case": 5 } }] },
    message: "x: prefix equals-ignore-case needs a string",
  },
  {
    name: "equals-ignore-case not string",
    pattern: { x: [{ "equals-ignore-case": 1 }] },
    message: "x: equals-ignore-case needs a string",
  },
  {
    name: "cidr prefix too long",
    pattern: { ip: [{ cidr: "10.0.0.0/33" }] },
    message: 'ip: cidr needs an IPv4 or IPv6 block such as "10.0.0.0/24", got "10.0.0.0/33"',
  },
  {
    name: "cidr without prefix length",
    pattern: { ip: [{ cidr: "10.0.0.1" }] },
    message: 'ip: cidr needs an IPv4 or IPv6 block such as "10.0.0.0/24", got "10.0.0.1"',
  },
  {
    name: "wildcard consecutive stars",
    pattern: { f: [{ wildcard: "a**b" }] },
    message: "f: wildcard must not contain consecutive * characters",
  },
  {
    name: "wildcard bad escape",
    pattern: { f: [{ wildcard: "a\\b" }] },
    message: "f: wildcard allows a backslash only before * or \\",
  },
  {
    name: "anything-but empty list",
    pattern: { s: [{ "anything-but": [] }] },
    message: "s: anything-but list must not be empty",
  },
  {
    name: "anything-but mixed list",
    pattern: { s: [{ "anything-but": ["a", 1] }] },
    message: "s: anything-but list must hold only strings or only numbers",
  },
  {
    name: "anything-but unsupported operator",
    pattern: { s: [{ "anything-but": { numeric: [">", 1] } }] },
    message: 's: anything-but does not support operator "numeric"',
  },
  {
    name: "anything-but boolean",
    pattern: { s: [{ "anything-but": true }] },
    message:
      "s: anything-but needs a string, a number, a list of them, or a prefix/suffix/wildcard/equals-ignore-case object",
  },
  {
    name: "$or not an array",
    pattern: { $or: { a: ["x"] } },
    message: "$or: $or needs an array of at least two patterns",
  },
  {
    name: "$or with one branch",
    pattern: { detail: { $or: [{ a: ["x"] }] } },
    message: "detail.$or: $or needs an array of at least two patterns",
  },
  {
    name: "$or branch not an object",
    pattern: { $or: [{ a: ["x"] }, ["b"]] },
    message: "$or[1]: each $or branch must be a pattern object",
  },
  {
    name: "error inside an $or branch",
    pattern: { $or: [{ a: ["x"] }, { b: "y" }] },
    message: "$or[1].b: a pattern value must be an array",
  },
  {
    name: "inspector2: bad numeric on inspectorScore",
    pattern: { detail: { inspectorScore: [{ numeric: [">=", "7"] }] } },
    message: "detail.inspectorScore: numeric needs pairs of operator and number",
  },
];

describe("matchesPattern", () => {
  for (const c of MATCH_CASES) {
    it(`${c.match ? "matches" : "rejects"}: ${c.name}`, () => {
      assert.equal(matchesPattern(c.pattern, c.event), c.match);
    });
  }
});

describe("compilePattern errors", () => {
  for (const c of ERROR_CASES) {
    it(c.name, () => {
      assert.throws(
        () => compilePattern(c.pattern),
        (e: unknown) => {
          assert.ok(e instanceof PatternError, String(e));
          assert.ok(e instanceof Error);
          assert.equal(e.message, c.message);
          return true;
        },
      );
    });
  }
});

describe("compilePattern", () => {
  it("compiles once and matches many events", () => {
    const isSevere = compilePattern({
      source: ["aws.inspector2"],
      detail: { severity: ["HIGH", "CRITICAL"] },
    });
    assert.equal(isSevere(INSPECTOR_EVENT), true);
    assert.equal(
      isSevere({ ...INSPECTOR_EVENT, detail: { ...INSPECTOR_EVENT.detail, severity: "LOW" } }),
      false,
    );
    assert.equal(isSevere(EC2_EVENT), false);
  });

  it("validates the whole pattern before any event is seen", () => {
    assert.throws(
      () => compilePattern({ source: ["aws.ec2"], detail: { state: [{ bogus: 1 }] } }),
      PatternError,
    );
  });

  it("has distinct names for the case tables", () => {
    const names = [...MATCH_CASES, ...ERROR_CASES].map((c) => c.name);
    assert.equal(new Set(names).size, names.length);
    assert.ok(MATCH_CASES.length + ERROR_CASES.length >= 60);
  });
});
