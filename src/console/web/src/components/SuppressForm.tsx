import { type FormEvent, useId, useState } from "react";
import { describeError, op } from "../api";
import { todayIso } from "../lib/format";
import { useSession } from "../lib/session";
import type { FilterCriteria } from "../types";

/** inspector2 allows at most 10 filters per FilterCriteria member: one rule per 10 findings. */
const ARNS_PER_RULE = 10;
/** Bulk suppression makes at most this many rules; beyond it, a rule from the filter is better. */
export const MAX_BULK = 100;

export const EXPIRY_TAG = "vigil:expires";

interface Props {
  /** Suppress these findings (one rule per 10 ARNs)… */
  findingArns?: string[];
  /** …or everything these criteria match (one rule). */
  criteria?: FilterCriteria;
  defaultName: string;
  submitLabel?: string;
  onCreated: (ruleArns: string[]) => void;
  onCancel?: () => void;
}

/**
 * Creates SUPPRESS filters: a name, a required reason, an optional expiry (the `vigil:expires`
 * tag, YYYY-MM-DD; the rule stops suppressing after it).
 */
export function SuppressForm({
  findingArns,
  criteria,
  defaultName,
  submitLabel = "Suppress",
  onCreated,
  onCancel,
}: Props) {
  const { user } = useSession();
  const id = useId();
  const [name, setName] = useState(defaultName);
  const [reason, setReason] = useState("");
  const [expiry, setExpiry] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const chunks: string[][] = [];
  for (let i = 0; findingArns && i < findingArns.length; i += ARNS_PER_RULE)
    chunks.push(findingArns.slice(i, i + ARNS_PER_RULE));
  const tooMany = findingArns !== undefined && findingArns.length > MAX_BULK;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    if (!name.trim()) return setError("Give the rule a name.");
    if (!reason.trim()) return setError("Say why these findings are suppressed: the reason is required.");
    if (expiry && expiry <= todayIso()) return setError("The expiry date must be in the future.");
    if (tooMany)
      return setError(
        `Select at most ${MAX_BULK} findings, or create a rule from the current filter instead.`,
      );
    setBusy(true);
    const created: string[] = [];
    try {
      const base = {
        action: "SUPPRESS" as const,
        reason: reason.trim().slice(0, 512),
        description: `Created in the Vigil console by ${user.username}`,
        ...(expiry ? { tags: { [EXPIRY_TAG]: expiry } } : {}),
      };
      if (findingArns) {
        for (const [i, chunk] of chunks.entries()) {
          const suffix = chunks.length > 1 ? ` (${i + 1} of ${chunks.length})` : "";
          const r = await op("CreateFilter", {
            ...base,
            name: `${name.trim().slice(0, 128 - suffix.length)}${suffix}`,
            filterCriteria: { findingArn: chunk.map((value) => ({ comparison: "EQUALS" as const, value })) },
          });
          created.push(r.arn);
        }
      } else {
        const r = await op("CreateFilter", {
          ...base,
          name: name.trim().slice(0, 128),
          filterCriteria: criteria ?? {},
        });
        created.push(r.arn);
      }
      onCreated(created);
    } catch (err) {
      setError(
        created.length
          ? `${describeError(err)} (${created.length} of ${chunks.length} rules were created)`
          : describeError(err),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="suppress-form" onSubmit={submit} noValidate data-testid="suppress-form">
      <div className="field">
        <label htmlFor={`${id}-name`}>Rule name</label>
        <input
          id={`${id}-name`}
          data-testid="suppress-name"
          value={name}
          maxLength={128}
          required
          onChange={(e) => setName(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-reason`}>
          Reason <span className="required">(required)</span>
        </label>
        <textarea
          id={`${id}-reason`}
          data-testid="suppress-reason"
          value={reason}
          maxLength={512}
          rows={2}
          required
          aria-describedby={`${id}-reason-hint`}
          onChange={(e) => setReason(e.target.value)}
        />
        <p className="hint" id={`${id}-reason-hint`}>
          Recorded on the rule and in the audit log, e.g. "not reachable: the service is internal only".
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-expiry`}>Expires on (optional)</label>
        <input
          id={`${id}-expiry`}
          data-testid="suppress-expiry"
          type="date"
          min={todayIso()}
          value={expiry}
          aria-describedby={`${id}-expiry-hint`}
          onChange={(e) => setExpiry(e.target.value)}
        />
        <p className="hint" id={`${id}-expiry-hint`}>
          After this day the findings count again. Leave empty to suppress until the rule is deleted.
        </p>
      </div>
      {findingArns && chunks.length > 1 && !tooMany ? (
        <p className="hint">
          {findingArns.length} findings: this creates {chunks.length} rules (a rule lists at most{" "}
          {ARNS_PER_RULE} findings).
        </p>
      ) : null}
      <div className="error-region" aria-live="assertive" data-testid="suppress-error">
        {error ? <p className="form-error">{error}</p> : null}
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="suppress-submit">
          {busy ? "Suppressing…" : submitLabel}
        </button>
        {onCancel ? (
          <button type="button" className="btn" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
