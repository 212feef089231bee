import { type KeyboardEvent, useEffect, useId, useState } from "react";
import { labelOf } from "../lib/format";
import { activeFilterCount, listParam, type Params, TEXT_FIELDS } from "../lib/query";
import { SEVERITIES } from "../types";

interface Props {
  params: Params;
  /** Sets (or, with undefined, removes) parameters. */
  onChange: (changes: Record<string, string | undefined>) => void;
  onClear: () => void;
}

const STATUSES = ["ACTIVE", "SUPPRESSED", "CLOSED"];
const TYPES = ["PACKAGE_VULNERABILITY", "NETWORK_REACHABILITY"];
const RESOURCE_TYPES = ["AWS_EC2_INSTANCE", "AWS_ECR_CONTAINER_IMAGE", "AWS_LAMBDA_FUNCTION"];
const ADVANCED = new Set(["repository", "layer", "ami", "lambdaLayer"]);

/** A text or number input that applies on Enter or when it loses focus. */
function CommitInput({
  id,
  value,
  onCommit,
  testid,
  ...rest
}: {
  id: string;
  value: string;
  onCommit: (v: string) => void;
  testid: string;
  type?: string;
  min?: number;
  max?: number;
  step?: number | string;
  placeholder?: string;
  inputMode?: "numeric" | "decimal" | "text";
  "aria-describedby"?: string;
}) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const commit = () => {
    if (draft !== value) onCommit(draft);
  };
  return (
    <input
      id={id}
      value={draft}
      data-testid={testid}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e: KeyboardEvent<HTMLInputElement>) => {
        if (e.key === "Enter") {
          e.preventDefault();
          commit();
        }
      }}
      {...rest}
    />
  );
}

function CheckboxGroup({
  legend,
  name,
  values,
  selected,
  onChange,
}: {
  legend: string;
  name: string;
  values: string[];
  selected: string[];
  onChange: (next: string[]) => void;
}) {
  return (
    <fieldset className="filter-group" data-testid={`filter-${name}`}>
      <legend>{legend}</legend>
      {values.map((v) => (
        <label key={v} className="check">
          <input
            type="checkbox"
            checked={selected.includes(v)}
            data-testid={`filter-${name}-${v}`}
            onChange={(e) => onChange(e.target.checked ? [...selected, v] : selected.filter((x) => x !== v))}
          />
          {v === v.toUpperCase() && name === "severity" ? (
            <span className={`sev-dot sev-${v.toLowerCase()}`} aria-hidden="true" />
          ) : null}
          {labelOf(v)}
        </label>
      ))}
    </fieldset>
  );
}

/** The Findings filters: each one is a FilterCriteria member, kept in the URL. */
export function FilterBar({ params, onChange, onClear }: Props) {
  const id = useId();
  const n = activeFilterCount(params);
  const select = (key: string, label: string, options: [string, string][]) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <select
        id={`${id}-${key}`}
        data-testid={`filter-${key}`}
        value={params[key] ?? ""}
        onChange={(e) => onChange({ [key]: e.target.value || undefined })}
      >
        <option value="">Any</option>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );
  const text = (f: (typeof TEXT_FIELDS)[number]) => (
    <div className="field" key={f.key}>
      <label htmlFor={`${id}-${f.key}`}>{f.label}</label>
      <CommitInput
        id={`${id}-${f.key}`}
        testid={`filter-${f.key}`}
        value={params[f.key] ?? ""}
        aria-describedby={`${id}-text-hint`}
        onCommit={(v) => onChange({ [f.key]: v.trim() || undefined })}
      />
    </div>
  );
  const range = (label: string, minKey: string, maxKey: string, max: number, step: string, unit: string) => (
    <fieldset className="filter-group range">
      <legend>{label}</legend>
      <div className="range-inputs">
        <label htmlFor={`${id}-${minKey}`} className="visually-hidden">
          {label} from
        </label>
        <CommitInput
          id={`${id}-${minKey}`}
          testid={`filter-${minKey}`}
          type="number"
          min={0}
          max={max}
          step={step}
          placeholder="0"
          inputMode="decimal"
          value={params[minKey] ?? ""}
          onCommit={(v) => onChange({ [minKey]: v || undefined })}
        />
        <span aria-hidden="true">to</span>
        <label htmlFor={`${id}-${maxKey}`} className="visually-hidden">
          {label} to
        </label>
        <CommitInput
          id={`${id}-${maxKey}`}
          testid={`filter-${maxKey}`}
          type="number"
          min={0}
          max={max}
          step={step}
          placeholder={String(max)}
          inputMode="decimal"
          value={params[maxKey] ?? ""}
          onCommit={(v) => onChange({ [maxKey]: v || undefined })}
        />
        <span className="unit">{unit}</span>
      </div>
    </fieldset>
  );

  return (
    <section className="filterbar" aria-labelledby={`${id}-title`} data-testid="filter-bar">
      <div className="filterbar-head">
        <h2 id={`${id}-title`}>Filters</h2>
        <button
          type="button"
          className="btn btn-small"
          onClick={onClear}
          disabled={n === 0}
          data-testid="filter-clear"
        >
          Clear{n ? ` (${n})` : ""}
        </button>
      </div>
      <CheckboxGroup
        legend="Severity"
        name="severity"
        values={SEVERITIES}
        selected={listParam(params, "severity")}
        onChange={(v) => onChange({ severity: v.length ? v.join(",") : undefined })}
      />
      <CheckboxGroup
        legend="Status"
        name="status"
        values={STATUSES}
        selected={listParam(params, "status")}
        onChange={(v) => onChange({ status: v.join(",") })}
      />
      {listParam(params, "status").length === 0 ? (
        <p className="hint">No status ticked: findings of every status are shown.</p>
      ) : null}
      {select(
        "type",
        "Finding type",
        TYPES.map((t) => [t, labelOf(t)]),
      )}
      {select(
        "resourceType",
        "Resource type",
        RESOURCE_TYPES.map((t) => [t, labelOf(t)]),
      )}
      {select("fix", "Fix available", [
        ["YES", "Yes"],
        ["PARTIAL", "Partial"],
        ["NO", "No"],
      ])}
      {select("exploit", "Known exploit", [
        ["YES", "Yes"],
        ["NO", "No"],
      ])}
      {TEXT_FIELDS.filter((f) => !ADVANCED.has(f.key)).map(text)}
      <p className="hint" id={`${id}-text-hint`}>
        Text filters match the start of the value; put it in "double quotes" to match exactly. Press Enter to
        apply.
      </p>
      {range("EPSS", "epssMin", "epssMax", 100, "0.1", "%")}
      {range("Score", "scoreMin", "scoreMax", 10, "0.1", "of 10")}
      <details className="more-filters" open={TEXT_FIELDS.some((f) => ADVANCED.has(f.key) && params[f.key])}>
        <summary>More filters</summary>
        {TEXT_FIELDS.filter((f) => ADVANCED.has(f.key)).map(text)}
      </details>
    </section>
  );
}
