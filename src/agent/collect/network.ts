/** The host's network interfaces and their addresses, as the OS reports them to node. */
import { networkInterfaces as osNetworkInterfaces } from "node:os";

export interface NetworkInterface {
  name: string;
  /** The hardware address, absent when the interface has none (loopback, tunnels report all zeros). */
  mac?: string;
  /** True for loopback interfaces. */
  internal: boolean;
  addresses: { family: 4 | 6; address: string; prefixLength?: number }[];
}

/** Interfaces that are up and have an address, loopback included (flagged `internal`), sorted by name. */
export function networkInterfaces(): NetworkInterface[] {
  const out: NetworkInterface[] = [];
  for (const [name, infos] of Object.entries(osNetworkInterfaces())) {
    if (!infos || infos.length === 0) continue;
    const iface: NetworkInterface = { name, internal: infos.every((i) => i.internal), addresses: [] };
    const mac = infos.find((i) => i.mac && !/^(?:00:){5}00$/.test(i.mac))?.mac;
    if (mac) iface.mac = mac;
    for (const info of infos) {
      const family: 4 | 6 = info.family === "IPv6" || (info.family as unknown) === 6 ? 6 : 4;
      const address: NetworkInterface["addresses"][number] = { family, address: info.address };
      const prefix = info.cidr ? Number(info.cidr.slice(info.cidr.lastIndexOf("/") + 1)) : Number.NaN;
      if (Number.isInteger(prefix)) address.prefixLength = prefix;
      iface.addresses.push(address);
    }
    out.push(iface);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
