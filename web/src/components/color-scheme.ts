/**
 * The stylesheet's colours for what draws on a canvas (the charts, the sparklines), and the
 * system's light or dark setting they follow. No chart code here: the main bundle uses it too.
 */
import { useEffect, useState } from "react";

export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** Follows the system's light or dark setting, so the charts redraw in its colours. */
export function useColorScheme(): "light" | "dark" {
  const query = "(prefers-color-scheme: dark)";
  const [scheme, setScheme] = useState<"light" | "dark">(() => (matchMedia(query).matches ? "dark" : "light"));
  useEffect(() => {
    const media = matchMedia(query);
    const onChange = (): void => setScheme(media.matches ? "dark" : "light");
    media.addEventListener("change", onChange);
    return () => media.removeEventListener("change", onChange);
  }, []);
  return scheme;
}
