import { useCallback, useEffect, useState } from "react";

export type Theme = "light" | "dark";
const KEY = "vigil.theme";

function systemTheme(): Theme {
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function storedTheme(): Theme | undefined {
  try {
    const v = localStorage.getItem(KEY);
    return v === "light" || v === "dark" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Applies the remembered theme (or the system's) before the first render. */
export function applyInitialTheme(): void {
  document.documentElement.dataset["theme"] = storedTheme() ?? systemTheme();
}

/**
 * The colour theme: the user's remembered choice, else the system preference (followed live
 * while the user has not chosen).
 */
export function useTheme(): { theme: Theme; toggle: () => void } {
  const [theme, setTheme] = useState<Theme>(() => storedTheme() ?? systemTheme());
  useEffect(() => {
    document.documentElement.dataset["theme"] = theme;
  }, [theme]);
  useEffect(() => {
    const mq = window.matchMedia?.("(prefers-color-scheme: dark)");
    if (!mq) return;
    const onChange = () => {
      if (!storedTheme()) setTheme(mq.matches ? "dark" : "light");
    };
    mq.addEventListener("change", onChange);
    return () => mq.removeEventListener("change", onChange);
  }, []);
  const toggle = useCallback(() => {
    setTheme((t) => {
      const next: Theme = t === "dark" ? "light" : "dark";
      try {
        localStorage.setItem(KEY, next);
      } catch {
        // storage unavailable (private mode): the choice lasts for this page only
      }
      return next;
    });
  }, []);
  return { theme, toggle };
}
