import { type ReactNode, useRef, useState } from "react";

/** Only http(s) URLs become links: advisory data is not trusted to hold safe ones. */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** A link that leaves the console (new tab, no referrer), or plain text when not a web URL. */
export function ExternalLink({ href, children }: { href: string | undefined; children?: ReactNode }) {
  const url = safeUrl(href);
  if (!url) return <span className="break">{children ?? href}</span>;
  return (
    <a href={url} target="_blank" rel="noopener noreferrer" className="break">
      {children ?? url}
      <span className="visually-hidden"> (opens in a new tab)</span>
    </a>
  );
}

/** Where to read about a vulnerability id. */
export function vulnerabilityUrl(id: string, sourceUrl?: string): string | undefined {
  if (safeUrl(sourceUrl)) return sourceUrl;
  if (/^CVE-\d{4}-\d+$/i.test(id)) return `https://nvd.nist.gov/vuln/detail/${id.toUpperCase()}`;
  if (/^GHSA-/i.test(id)) return `https://github.com/advisories/${id}`;
  if (/^(GO|PYSEC|RUSTSEC|OSV|DSA|DLA|ALSA|RHSA|ALAS)-/i.test(id))
    return `https://osv.dev/vulnerability/${id}`;
  return undefined;
}

async function writeClipboard(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain-HTTP pages have no Clipboard API: fall back to a selected textarea.
  const ta = document.createElement("textarea");
  ta.value = text;
  ta.setAttribute("readonly", "");
  ta.style.position = "fixed";
  ta.style.opacity = "0";
  document.body.appendChild(ta);
  ta.select();
  const ok = document.execCommand("copy");
  ta.remove();
  if (!ok) throw new Error("the browser refused to copy");
}

/** A command with a Copy button; the result is announced ("Copied"). */
export function CopyCommand({
  command,
  testid = "remediation-command",
}: {
  command: string;
  testid?: string;
}) {
  const [status, setStatus] = useState("");
  const timer = useRef<number | undefined>(undefined);
  async function copy() {
    try {
      await writeClipboard(command);
      setStatus("Copied");
    } catch (e) {
      setStatus(`Could not copy: ${(e as Error).message}. Select the command and copy it by hand.`);
    }
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setStatus(""), 4000);
  }
  return (
    <div className="copy-command">
      <pre className="command">
        <code data-testid={testid}>{command}</code>
      </pre>
      <button type="button" className="btn btn-small" onClick={copy} data-testid="copy-button">
        Copy<span className="visually-hidden"> command</span>
      </button>
      <span className="copy-status" aria-live="polite" role="status" data-testid="copy-status">
        {status}
      </span>
    </div>
  );
}

/** A definition list of label → value (in the object's order), skipping empty values. */
export function Facts({ items }: { items: Record<string, ReactNode> }) {
  const shown = Object.entries(items).filter(
    ([, v]) => v !== undefined && v !== null && v !== "" && v !== false,
  );
  if (shown.length === 0) return null;
  return (
    <dl className="facts">
      {shown.map(([k, v]) => (
        <div key={k} className="fact">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * The console's data table: a caption (hidden unless `showCaption`: the page's heading says it),
 * one header row of column names, an optional last column of row actions, and the rows given.
 */
export function DataTable({
  testid,
  caption,
  showCaption = false,
  columns,
  actions = false,
  children,
}: {
  testid?: string;
  caption: string;
  showCaption?: boolean;
  columns: string[];
  actions?: boolean;
  children: ReactNode;
}) {
  return (
    <table className="data-table" data-testid={testid}>
      <caption className={showCaption ? undefined : "visually-hidden"}>{caption}</caption>
      <thead>
        <tr>
          {columns.map((c) => (
            <th scope="col" key={c}>
              {c}
            </th>
          ))}
          {actions ? (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/** The button under a paged list: shown while the server has a next page. */
export function MoreButton({
  nextToken,
  loading,
  onMore,
  children,
}: {
  nextToken: string | undefined;
  loading: boolean;
  onMore: () => void;
  children: ReactNode;
}) {
  if (!nextToken) return null;
  return (
    <button type="button" className="btn" onClick={onMore} disabled={loading}>
      {children}
    </button>
  );
}
