/** Internet reachability of hosts: network models from AWS CLI JSON or on-prem YAML, and the analysis. */
export { modelFromAws } from "./aws.js";
export {
  ALL_PORTS,
  type Cidr,
  canonicalAddress,
  type Family,
  formatAddress,
  isPublicAddress,
  type PortSet,
  parseAddress,
  parseCidr,
  portIntersect,
  portSet,
  portSubtract,
  portUnion,
  publicRanges,
} from "./cidr.js";
export {
  emptyModel,
  type Gateway,
  type Instance,
  type InterfaceAddress,
  type NatGateway,
  type NetworkAcl,
  type NetworkAclEntry,
  type NetworkInterface,
  type NetworkModel,
  NetworkModelError,
  type PathStep,
  type Ports,
  type PrefixList,
  type Protocol,
  type Route,
  type RouteTable,
  type RouteTargetKind,
  type SecurityGroup,
  type SecurityGroupRule,
  type Subnet,
  type Vpc,
} from "./model.js";
export { modelFromYaml } from "./onprem.js";
export {
  type HostReachability,
  internetReachability,
  type OpenPortRange,
  type ReachabilityOptions,
} from "./reachability.js";
