/**
 * Debian release codenames (as the security tracker and os-release name them) → the OSV ecosystem release. "sid" and "experimental" have no
 * release number (and no OSV ecosystem), so they are not imported.
 */
export const DEBIAN_RELEASES: Record<string, string> = {
  sarge: "3.1",
  etch: "4",
  lenny: "5",
  squeeze: "6",
  wheezy: "7",
  jessie: "8",
  stretch: "9",
  buster: "10",
  bullseye: "11",
  bookworm: "12",
  trixie: "13",
  forky: "14",
  duke: "15",
};
